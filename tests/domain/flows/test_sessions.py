"""services/sessions.py called directly: which presented token holds (its kind, its user's
token version, a revocation, the expiry and its leeway), and a fresh grant."""

from __future__ import annotations

from dataclasses import replace

import pytest

from mfa_api.errors import NotFound, Unauthorized
from mfa_api.security import tokens
from mfa_api.services import sessions
from mfa_api.store import users


def _at(world, leeway: int):
    """The world's context with JWT_LEEWAY_SECONDS set to leeway."""
    ctx = world.ctx()
    return replace(ctx, settings=replace(ctx.settings, jwt_leeway_seconds=leeway))


def _refused(token, ctx, kinds=(tokens.ACCESS,)) -> bool:
    try:
        sessions.resolve(token, kinds, ctx)
    except Unauthorized as exc:
        assert exc.message == sessions.INVALID_TOKEN
        return True
    return False


def test_an_access_token_holds_until_the_leeway_past_its_expiry_ends(world):
    ada = world.person()
    token = sessions.access_token(world.user(ada), world.ctx())
    user, claims = sessions.resolve(token, (tokens.ACCESS,), world.ctx())
    assert (user.id, claims["user_id"]) == (ada.id, ada.id)
    world.later(world.ctx().settings.jwt_ttl_seconds + 4)
    assert not _refused(token, _at(world, 5))  # 4 s past its expiry
    world.later(1)
    assert _refused(token, _at(world, 5))


def test_without_a_leeway_a_token_is_refused_the_second_it_expires(world):
    ada = world.person()
    token = sessions.access_token(world.user(ada), world.ctx())
    world.later(world.ctx().settings.jwt_ttl_seconds - 1)
    assert not _refused(token, _at(world, 0))
    world.later(1)
    assert _refused(token, _at(world, 0))


def test_a_token_of_another_kind_or_version_or_revoked_does_not_hold(world):
    ada = world.person()
    challenge, _ = sessions.challenge_token(world.user(ada), world.ctx())
    assert _refused(challenge, world.ctx())
    assert not _refused(challenge, world.ctx(), kinds=(tokens.CHALLENGE,))
    access = sessions.access_token(world.user(ada), world.ctx())
    users.revoke_tokens(ada.id)
    assert _refused(access, world.ctx())
    logged_out = sessions.access_token(world.user(ada), world.ctx())
    claims = tokens.decode_token(
        logged_out, key=world.ctx().settings.jwt_key, kind=tokens.ACCESS, now=world.now
    )
    sessions.revoke(claims, world.ctx())
    world.later(world.ctx().settings.jwt_ttl_seconds + 2)
    assert _refused(logged_out, _at(world, 5))  # through the leeway too
    assert _refused("not.a.token", world.ctx())


def test_a_token_of_a_deleted_user_is_not_found_and_so_is_a_fresh_grant(world):
    ada = world.person()
    token = sessions.access_token(world.user(ada), world.ctx())
    fresh = sessions.grant_fresh(ada.id, world.ctx())
    assert fresh.expires_in == world.ctx().settings.jwt_ttl_seconds
    users.delete(ada.id)
    with pytest.raises(NotFound):
        sessions.resolve(token, (tokens.ACCESS,), world.ctx())
    with pytest.raises(NotFound):
        sessions.grant_fresh(ada.id, world.ctx())
