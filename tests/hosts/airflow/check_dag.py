"""Run the DAG with dag.test() and report the states and what the task logs held (JSON on stdout).

Task logs are captured through Airflow's own logging (with its secret masker), as a worker
writes them; the report says whether the key appears and whether the answer does (proof that
the logs were really captured).
"""

import io
import json
import os

from airflow.sdk.log import configure_logging

captured = io.StringIO()
configure_logging(output=captured, colored_console_log=False)

from airflow.dag_processing.dagbag import DagBag  # noqa: E402 - after logging is set up

bag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
assert not bag.import_errors, bag.import_errors
run = bag.dags["deepseek_flow"].test()
logs = captured.getvalue()
states = {ti.task_id: str(ti.state) for ti in run.get_task_instances()}
key = os.environ["DEEPSEEK_TEST_KEY"]
print(json.dumps({"state": str(run.state), "tasks": states, "key_in_logs": key[:8] in logs,
                  "answer_in_logs": "You said: Summarise 4 models" in logs}))
