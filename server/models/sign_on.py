"""What OpenID Connect sign-in keeps between two requests, in the database so that any
worker process can take the provider's callback or logout."""

from datetime import datetime

from sqlmodel import Field, SQLModel


class SignOnState(SQLModel, table=True):
    """A sign-in under way: authlib's state data (PKCE verifier, nonce, where to return),
    kept here and not in the browser's cookie, which holds only the state's marker."""

    __tablename__ = "sign_on_state"

    key: str = Field(primary_key=True, max_length=200)
    value: str
    expires_at: datetime = Field(index=True)


class LogoutTokenSeen(SQLModel, table=True):
    """The id (jti) of every back-channel logout token taken, so a replay is refused."""

    __tablename__ = "logout_token_seen"

    jti: str = Field(primary_key=True, max_length=255)
    expires_at: datetime = Field(index=True)
