"""Demo accounts for a local run, so a newcomer can log in at once."""

from __future__ import annotations

from dataclasses import dataclass

from db.queries.users import get_user_by_username
from server.accounts import register
from server.database import Database
from server.validation import Registration


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: str
    display_name: str


DEMO_ACCOUNTS = (
    DemoAccount("demo-candidate", "practise-2-win", "candidate", "Demo Candidate"),
    DemoAccount("demo-instructor", "coach-2-win", "instructor", "Demo Instructor"),
)


async def ensure_demo_accounts(database: Database) -> tuple[DemoAccount, ...]:
    for account in DEMO_ACCOUNTS:
        async with database.transaction() as session:
            if await get_user_by_username(session, account.username) is None:
                await register(
                    session,
                    Registration(
                        account.username, account.password, account.role,  # type: ignore[arg-type]
                        account.display_name,
                    ),
                )
    return DEMO_ACCOUNTS
