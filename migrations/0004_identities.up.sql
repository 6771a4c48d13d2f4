-- Upstream identities (social login) linked to users. The upstream subject,
-- never the e-mail, identifies the account: (provider_id, subject) is unique.
CREATE TABLE identities (
    provider_id  text        NOT NULL,
    subject      text        NOT NULL,
    user_id      text        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email        text        NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz NOT NULL,
    PRIMARY KEY (provider_id, subject)
);
CREATE INDEX identities_user_id ON identities (user_id, created_at);
