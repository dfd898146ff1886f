"""Every operator shape against a server that echoes the key back (tests/hosts/echo_server.py),
through the `deepseek_echo` connection: its answers reach XCom and the task logs."""
from datetime import datetime

from airflow.sdk import DAG

from deepseek_connector.hosts.airflow.operators import (
    DeepSeekCreateChatCompletionOperator,
    DeepSeekCreateFimCompletionOperator,
    DeepSeekGetUserBalanceOperator,
    DeepSeekListModelsOperator,
    DeepSeekRawRequestOperator,
)

TOOLS = [{"type": "function", "function": {"name": "echo", "parameters": {"type": "object"}}}]

with DAG("deepseek_echo", start_date=datetime(2026, 1, 1), schedule=None, catchup=False):
    common = {"deepseek_conn_id": "deepseek_echo", "retries": 0}
    chat = {"model": "deepseek-chat", "messages": "Echo it", **common}
    fim = {"model": "deepseek-chat", "prompt": "def echo():", **common}
    DeepSeekListModelsOperator(task_id="models_in_utf16", **common)  # the echo in UTF-16-LE JSON
    DeepSeekRawRequestOperator(task_id="raw_models_in_utf16", url="/models", method="GET", **common)
    DeepSeekCreateChatCompletionOperator(task_id="split_over_stream", stream=True, **chat)  # 5 a delta
    DeepSeekCreateChatCompletionOperator(  # the same, a zero-width space after each of the key's characters
        task_id="spelled_over_stream", stream=True, **{**chat, "messages": "Echo it spelled"})
    DeepSeekCreateChatCompletionOperator(  # the key \u-escaped inside a tool call's arguments
        task_id="decoded_twice", tools=TOOLS, simplify_output=True, **chat)
    DeepSeekCreateFimCompletionOperator(task_id="fim_split_over_stream", stream=True, **fim)
    DeepSeekCreateFimCompletionOperator(task_id="fim_in_utf16", **fim)
    DeepSeekGetUserBalanceOperator(task_id="error_in_utf16", maxRetries=0, **common)  # fails: HTTP 500
