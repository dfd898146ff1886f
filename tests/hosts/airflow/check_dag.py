"""Run a DAG with dag.test() and report what a person sees of it (JSON on stdout, last line):
the states, every task's XCom under `data`, and the task logs.

    python check_dag.py [DAG_ID]          (deepseek_flow by default)

Task logs are captured through Airflow's own logging (with its secret masker), as a worker
writes them; the report says whether the key appears and whether the answer does (proof that
the logs were really captured).
"""

import io
import json
import os
import sys

from airflow.sdk.log import configure_logging

captured = io.StringIO()
configure_logging(output=captured, colored_console_log=False)

from airflow.dag_processing.dagbag import DagBag  # noqa: E402 - after logging is set up

bag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
assert not bag.import_errors, bag.import_errors
run = bag.dags[sys.argv[1] if len(sys.argv) > 1 else "deepseek_flow"].test()
logs = captured.getvalue()
instances = run.get_task_instances()
states = {ti.task_id: str(ti.state) for ti in instances}
xcom = {ti.task_id: ti.xcom_pull(task_ids=ti.task_id, key="data") for ti in instances}
key = os.environ["DEEPSEEK_TEST_KEY"]
print(json.dumps({"state": str(run.state), "tasks": states, "key_in_logs": key[:8] in logs,
                  "answer_in_logs": "You said: Summarise 2 models" in logs, "xcom": xcom, "logs": logs}))
