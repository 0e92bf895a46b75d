"""``interview-engine``: the command line of the Interview Engine.

Exit codes: 0 success, 1 failure at run time (e.g. the database is unreachable),
2 bad usage or configuration, 3 not found (interview, user or file),
4 refused (an invalid export file, an interview already there, an instructor as owner).
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import signal
import sys
from typing import Any, AsyncIterator, Coroutine, Sequence

from server import cli_data
from server.settings import Settings, SettingsError, load_settings

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="interview-engine", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
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

    export = commands.add_parser(
        "export", help="write an interview as one export file (to standard output)",
        description="Write the interview's export file (MessagePack: header, every event, "
        "end record; the audio included) to standard output or --output. Exit 3 when the "
        "interview does not exist.",
    )
    export.add_argument("interview_id", metavar="INTERVIEW_ID")
    export.add_argument("-o", "--output", help="write to this file instead")

    import_ = commands.add_parser(
        "import", help="import an export file as a candidate's interview",
        description="Import an export file (from `export` or the web page); the interview "
        "keeps its id and replays here. Exit 3 when the file or the owner does not exist, "
        "4 when the file is not importable or the interview is already here.",
    )
    import_.add_argument("file", metavar="FILE", help="the export file, or - for standard input")
    import_.add_argument("--owner", required=True, metavar="USERNAME",
                         help="the candidate who will own the interview")

    purge = commands.add_parser(
        "purge", help="delete recordings and face frames past their retention",
        description="Delete the recordings (audio events, files, index) and/or face frames "
        "of interviews idle for longer than the retention period: --older-than, else "
        "RECORDING_RETENTION_DAYS and FACE_RETENTION_DAYS. Also finishes interrupted "
        "file removals and drops expired tickets. Run it daily (cron, a scheduler).",
    )
    purge.add_argument("--older-than", type=cli_data.days, metavar="DAYS",
                       help="retention in days for both (e.g. 30 or 30d), overriding the settings")
    purge.add_argument("--recordings", action="store_true", help="only recordings")
    purge.add_argument("--face", action="store_true", help="only face frames")

    load = commands.add_parser(
        "loadtest", help="drive simulated interviews against a running server and report"
    )
    load.add_argument("--url", default="http://127.0.0.1:8000", help="the server's base URL")
    load.add_argument("--candidates", type=int, default=10, help="simultaneous interviews")
    load.add_argument("--observers-per-candidate", type=int, default=1)
    load.add_argument("--duration", type=float, default=30.0, help="seconds of sending measured")
    load.add_argument("--warmup", type=float, default=2.0,
                      help="seconds of sending before the measured window")
    load.add_argument("--processes", type=int, default=0,
                      help="client processes (default: one per 50 candidates, at most the CPUs)")
    load.add_argument("--answer-seconds", type=float,
                      help="how long each answer lasts (default 60)")
    load.add_argument("--think-seconds", type=float,
                      help="pause after a question before answering (default 3)")
    load.add_argument("--server-pid", type=int, help="the server's process id, to report its CPU")
    load.add_argument("--json", dest="json_out", help="write the result to this JSON file")
    load.add_argument("--no-verify-log", action="store_true",
                      help="skip reading every event log back after the run")
    load.add_argument("--search", action="store_true",
                      help="capacity search: start at --candidates, add --step interviews per "
                           "step (keeping the earlier ones) until a step misses the bounds "
                           "(candidate→observer p99 100 ms, ack p99 300 ms, no loss)")
    load.add_argument("--step", type=int, default=50, help="interviews added per search step")
    load.add_argument("--max-candidates", type=int, default=1000,
                      help="where the capacity search stops")
    return parser


def _profile(default: Any, args: argparse.Namespace) -> Any:
    from dataclasses import replace

    return replace(
        default,
        answer_s=default.answer_s if args.answer_seconds is None else args.answer_seconds,
        think_s=default.think_s if args.think_seconds is None else args.think_seconds,
    )


def _loadtest(args: argparse.Namespace) -> int:
    from pathlib import Path

    from server.loadtest.runner import Plan, default_processes, report, run, search
    from server.loadtest.runner import search_report
    from server.loadtest.session import Profile

    if (args.candidates < 1 or args.observers_per_candidate < 0 or args.duration <= 0
            or (args.answer_seconds is not None and args.answer_seconds <= 0)
            or (args.think_seconds is not None and args.think_seconds < 0)):
        print("error: --candidates must be >= 1, --observers-per-candidate >= 0, "
              "--duration and --answer-seconds > 0, --think-seconds >= 0", file=sys.stderr)
        return EXIT_USAGE
    if args.search and (args.step < 1 or args.max_candidates < args.candidates):
        print("error: --step must be >= 1 and --max-candidates >= --candidates",
              file=sys.stderr)
        return EXIT_USAGE
    steps = (list(range(args.candidates, args.max_candidates + 1, args.step))
             if args.search else [args.candidates])
    plan = Plan(
        url=args.url.rstrip("/"),
        candidates=args.candidates,
        observers_per_candidate=args.observers_per_candidate,
        duration_s=args.duration,
        warmup_s=max(0.0, args.warmup),
        processes=args.processes or default_processes(steps[-1]),
        profile=_profile(Profile(), args),
        verify_log=not args.no_verify_log,
    )
    out = Path(args.json_out) if args.json_out else None
    if args.search:
        summary = search(plan, steps, server_pid=args.server_pid, out=out)
        print(search_report(summary))
        return EXIT_OK if summary["ok"] else EXIT_FAILED
    result = run(plan, server_pid=args.server_pid, out=out)
    print(report(result))
    return EXIT_OK if result["ok"] else EXIT_FAILED


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
        return cli_data.EXIT_REFUSED if error.status == 409 else EXIT_FAILED
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
    if settings.metrics_address:
        from server.observability.metrics_listener import start_metrics_listener

        start_metrics_listener(settings.metrics_address)
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


def _configure_logging(settings: Settings | None, command: str) -> None:
    from server.observability.logs import configure_logging

    if settings is None:  # the load generator: a client that prints its own report
        return
    configure_logging(settings)
    if command != "serve":
        # One-off commands speak on stdout; logs (to stderr) only when something is wrong.
        logging.getLogger().setLevel(max(logging.WARNING, logging.getLogger().level))


def _required(settings: Settings | None) -> Settings:
    assert settings is not None  # only the load generator runs without the server's settings
    return settings


def _run(coroutine: Coroutine[Any, Any, int]) -> int:
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        # The load generator is a client: the server's settings (its secret key) are not its.
        settings = load_settings() if args.command != "loadtest" else None
    except SettingsError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return EXIT_USAGE
    _configure_logging(settings, args.command)
    try:
        if args.command == "serve":
            return _run(_serve(args))
        if args.command == "loadtest":
            return _loadtest(args)
        if args.command == "migrate":
            return _run(_migrate())
        if args.command == "export":
            return _run(cli_data.export(args, _required(settings)))
        if args.command == "import":
            return _run(cli_data.import_(args, _required(settings)))
        if args.command == "purge":
            return _run(cli_data.purge(args, _required(settings)))
        return _run(_create_user(args))
    except KeyboardInterrupt:
        return EXIT_OK
    except Exception as error:  # reported plainly: this is the top of a command
        print(f"error: {type(error).__name__}: {error}", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
