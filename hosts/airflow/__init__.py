"""The Apache Airflow provider: a `deepseek` connection type, DeepSeekHook, one operator per action.

Airflow finds it through the `apache_airflow_provider` entry point (provider.get_provider_info);
only hooks.py and operators.py import Airflow.
"""
