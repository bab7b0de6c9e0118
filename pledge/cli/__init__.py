"""``flask --app pledge ...`` commands: thin wrappers over the services."""

from flask import Flask


def register_commands(app: Flask) -> None:
    """Attach every command group to ``app``."""
    from pledge.cli.dev import dev_group
    from pledge.cli.labs import lab_group
    from pledge.cli.main import campaign_group, seed_demo_command, tick_command, user_group

    app.cli.add_command(user_group)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(tick_command)
    app.cli.add_command(dev_group)
    app.cli.add_command(campaign_group)
    app.cli.add_command(lab_group)
