"""Upload a document in one task; the next task's chat reads it by the id the first one returned."""
from datetime import datetime

from airflow.sdk import DAG

from deepseek_connector.hosts.airflow.operators import (
    DeepSeekCreateChatCompletionOperator,
    DeepSeekUploadFileOperator,
)

PDF = "JVBERi0xLjQKQlQgKFJldmVudWUgZ3JldyAxMiBwZXJjZW50KSBUaiBFVAolJUVPRgo="  # "Revenue grew 12 percent"

with DAG("deepseek_files", start_date=datetime(2026, 1, 1), schedule=None, catchup=False):
    upload = DeepSeekUploadFileOperator(
        task_id="upload",
        fileData={"report.pdf": {"data": PDF, "contentType": "application/pdf"}},
        purpose="text_recognition",
    )
    chat = DeepSeekCreateChatCompletionOperator(
        task_id="chat",
        model="deepseek-flash",
        user_message="What does the report say?",
        document_file_ids="{{ ti.xcom_pull(task_ids='upload', key='data')['id'] }}",
        simplify_output=True,
    )
    upload >> chat
