"""List models, then a templated, streamed chat, then a task that reads the answer from XCom."""
from datetime import datetime

from airflow.sdk import DAG, task

from deepseek_connector.hosts.airflow.operators import (
    DeepSeekCreateChatCompletionOperator,
    DeepSeekListModelsOperator,
)

with DAG("deepseek_flow", start_date=datetime(2026, 1, 1), schedule=None, catchup=False):
    models = DeepSeekListModelsOperator(task_id="list_models")
    chat = DeepSeekCreateChatCompletionOperator(
        task_id="chat",
        model="{{ ti.xcom_pull(task_ids='list_models', key='data')['data'][0]['id'] }}",
        messages="Summarise {{ ti.xcom_pull(task_ids='list_models', key='data')['data'] | length }} models",
        stream=True,
        temperature=0.2,
    )

    @task
    def read_answer(**context):
        answer = context["ti"].xcom_pull(task_ids="chat", key="data")
        text = answer["choices"][0]["message"]["content"]
        assert "Summarise 2 models" in text, text  # the emulator lists deepseek-flash and deepseek-v4-pro
        return text

    models >> chat >> read_answer()
