"""``interview-engine``: the command line (serve, migrate, create-user).

Exit codes: 0 success, 1 failure at run time, 2 bad usage or configuration.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import signal
import sys
from typing import Any, AsyncIterator, Coroutine, Sequence

from server.settings import SettingsError, load_settings

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="interview-engine", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the web server")
    serve.add_argument("--host", help="address to bind (default HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default PORT or 8000)")
    serve.add_argument(
        "--demo", action="store_true", help="create the demo accounts and print them"
    )

    commands.add_parser("migrate", help="apply the database migrations")

    create_user = commands.add_parser("create-user", help="create an account")
    create_user.add_argument("username")
    create_user.add_argument("--role", choices=("candidate", "instructor"), default="candidate")
    create_user.add_argument("--display-name")
    create_user.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    return parser


async def _migrate() -> int:
    from db.migrate import upgrade_async
    from server.database import resolve_database_url

    url = await resolve_database_url(load_settings())
    await upgrade_async(url)
    print("database is up to date")
    return EXIT_OK


async def _create_user(args: argparse.Namespace) -> int:
    from server.database import Database
    from server.errors import ApiError
    from server.accounts import register
    from server.validation import Invalid, registration

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Password: ")
    try:
        form = registration(
            {
                "username": args.username,
                "password": password,
                "role": args.role,
                "display_name": args.display_name,
            }
        )
    except Invalid as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    database = await Database.open(load_settings())
    try:
        async with database.transaction() as session:
            user = await register(session, form)
    except ApiError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        await database.close()
    print(f"created {user.role} {user.username}")
    return EXIT_OK


async def _serve(args: argparse.Namespace) -> int:
    from hypercorn.asyncio import serve

    from server.app import create_app
    from server.database import Database
    from server.demo import ensure_demo_accounts
    from server.serving import hypercorn_config

    settings = load_settings()
    host = args.host or settings.host
    port = args.port if args.port is not None else settings.port
    if args.demo or settings.demo_accounts:
        database = await Database.open(settings)
        try:
            accounts = await ensure_demo_accounts(database)
        finally:
            await database.close()
        print("Demo accounts:")
        for account in accounts:
            print(f"  {account.role:<10} {account.username:<16} password: {account.password}")
    config = hypercorn_config(settings, f"{host}:{port}")
    shutdown = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, shutdown.set)
    app = create_app(settings)

    async def shutdown_trigger() -> None:
        await shutdown.wait()
        # Hypercorn waits for open connections before the app's own shutdown runs, so the
        # sockets are closed here first: clients see 1001 at once and reconnect elsewhere.
        hub = getattr(app, "hub", None)
        if hub is not None:
            await hub.close_connections()

    shown_host = "127.0.0.1" if host in ("0.0.0.0", "") else host

    @app.while_serving
    async def announce() -> AsyncIterator[None]:
        # Registered after the app's own start-up, so it prints once the database is ready.
        print(f"Interview Engine is running at http://{shown_host}:{port}  (Ctrl+C to stop)",
              flush=True)
        yield

    await serve(app, config, shutdown_trigger=shutdown_trigger)  # type: ignore[arg-type]
    return EXIT_OK


def _run(coroutine: Coroutine[Any, Any, int]) -> int:
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        load_settings()
    except SettingsError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return EXIT_USAGE
    try:
        if args.command == "serve":
            return _run(_serve(args))
        if args.command == "migrate":
            return _run(_migrate())
        return _run(_create_user(args))
    except KeyboardInterrupt:
        return EXIT_OK
    except Exception as error:  # reported plainly: this is the top of a command
        print(f"error: {type(error).__name__}: {error}", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
