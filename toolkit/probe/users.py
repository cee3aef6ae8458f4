"""Synthetic people in auth.users, inserted the way GoTrue does after a sign-up, so triggers
such as `on_auth_user_created` run exactly as they do in production."""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

from toolkit.probe.session import User

if TYPE_CHECKING:
    import psycopg

INSERT_USER = """
insert into auth.users (
    instance_id, id, aud, role, email, phone, encrypted_password, email_confirmed_at,
    phone_confirmed_at, raw_app_meta_data, raw_user_meta_data, is_anonymous, created_at,
    updated_at, last_sign_in_at, confirmation_token, recovery_token, email_change_token_new,
    email_change
) values (
    '00000000-0000-0000-0000-000000000000', %(id)s::uuid, 'authenticated', 'authenticated',
    %(email)s::text, %(phone)s::text, %(password)s, case when %(email)s::text is null then null else now() end,
    case when %(phone)s::text is null then null else now() end, %(app)s::jsonb, %(meta)s::jsonb,
    %(anonymous)s, now(), now(), now(), '', '', '', ''
)
"""


def make_user(
    *,
    label: str = "",
    user_id: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    is_anonymous: bool = False,
    app_metadata: dict[str, Any] | None = None,
    user_metadata: dict[str, Any] | None = None,
) -> User:
    """A user value with GoTrue's default metadata; nothing is written yet."""
    uid = user_id or str(uuid.uuid4())
    short = uid[:8]
    if is_anonymous:
        app = {"provider": "anonymous", "providers": ["anonymous"]}
        meta: dict[str, Any] = {}
    else:
        email = email if email is not None else f"user-{short}@example.com"
        app = {"provider": "email", "providers": ["email"]}
        name = label or email.split("@")[0]
        meta = {"display_name": name, "full_name": name, "name": name,
                "username": f"user_{short}", "avatar_url": f"https://example.com/{short}.png",
                "email_verified": True}
    app.update(app_metadata or {})
    meta.update(user_metadata or {})
    return User(id=uid, email=email, phone=phone, is_anonymous=is_anonymous, app_metadata=app,
                user_metadata=meta, label=label)


def insert_user(conn: psycopg.Connection, user: User) -> None:
    """Write the user into auth.users (as the connection's role, normally `postgres`)."""
    conn.execute(INSERT_USER, {
        "id": user.id,
        "email": user.email,
        "phone": user.phone,
        "password": "$2a$10$supakitprobeaccountpasswordhashnotusable0000000000000",
        "app": json.dumps(user.app_metadata),
        "meta": json.dumps(user.user_metadata),
        "anonymous": user.is_anonymous,
    })
