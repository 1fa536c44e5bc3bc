"""The provider's EMR Serverless hook, acting as a role assumed for one task.

Every client the provider's hook creates (its `conn`, the waiters' client, the link's client)
comes from one session built from `conn_config`, so the role is set there: the job is started,
polled and cancelled as the same identity. The connection's own credentials (or boto3's default
chain) assume the role; the session is named after the DAG and task for CloudTrail.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from airflow.providers.amazon.aws.hooks.emr import EmrServerlessHook
from airflow.providers.amazon.aws.utils.connection_wrapper import AwsConnectionWrapper


class AssumedRoleEmrServerlessHook(EmrServerlessHook):  # type: ignore[misc]
    def __init__(self, *args: Any, assume_role_arn: str | None = None, role_session_name: str = "", **kwargs: Any):
        self.assume_role_arn = assume_role_arn
        self.role_session_name = role_session_name
        super().__init__(*args, **kwargs)

    @cached_property
    def conn_config(self) -> AwsConnectionWrapper:
        base: AwsConnectionWrapper = super().conn_config
        if not self.assume_role_arn:
            return base
        if base.role_arn:
            # The provider assumes one role per session; a chain of two would silently drop one.
            raise ValueError(
                f"AWS connection {self.aws_conn_id!r} already assumes {base.role_arn}; aws_assume_role "
                f"{self.assume_role_arn} would be a second hop. Use a connection with credentials (or none) "
                "and aws_assume_role, or put the team role in the connection's role_arn and drop aws_assume_role"
            )
        wrapper = AwsConnectionWrapper(conn=base)
        if not base:
            # Without an Airflow connection the provider's session factory skips assume-role
            # altogether (a wrapper without conn_id is false); None keeps boto3's default chain
            # as the credentials that assume the role.
            wrapper.conn_id = None
        wrapper.role_arn = self.assume_role_arn
        wrapper.assume_role_method = "assume_role"
        wrapper.assume_role_kwargs = {**base.assume_role_kwargs, "RoleSessionName": self.role_session_name}
        return wrapper
