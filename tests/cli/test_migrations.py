"""The schema's migrations form one line and match the models."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app

from app.persistence.models import Base, db


def test_one_head(app):
    config = current_app.extensions["migrate"].migrate.get_config()
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def test_migrated_schema_matches_the_models(app):
    with db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_the_one_email_one_account_upgrade_names_shared_addresses_and_leaves_empty_ones_alone(app):
    import pytest
    import sqlalchemy as sa
    from alembic import command

    config = current_app.extensions["migrate"].migrate.get_config()
    command.downgrade(config, "e4f5a6b7c8d9")
    db.session.remove()
    with db.engine.begin() as connection:
        rows = connection.execute(sa.text("SELECT id FROM app_user ORDER BY id LIMIT 3")).scalars().all()
        connection.execute(sa.text("UPDATE app_user SET email = NULL WHERE id IN (:a, :b)"),
                           {"a": rows[0], "b": rows[1]})
        connection.execute(sa.text("UPDATE app_user SET email = 'Sama@Contoh.id' WHERE id = :a"), {"a": rows[2]})
        connection.execute(sa.text("UPDATE app_user SET email = 'sama@contoh.id' WHERE id = :a"), {"a": rows[0]})
    with pytest.raises(RuntimeError, match="sama@contoh.id"):
        command.upgrade(config, "head")
    db.session.remove()
    with db.engine.begin() as connection:
        connection.execute(sa.text("UPDATE app_user SET email = NULL WHERE id = :a"), {"a": rows[0]})
    command.upgrade(config, "head")  # two accounts without an address are no conflict
    with db.engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == \
            ScriptDirectory.from_config(config).get_current_head()
