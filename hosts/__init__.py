"""Adapters that let real host platforms load the connector: Airflow, Langflow and Dify.

Each is generated from connector.yaml when imported, so an input added to the manifest reaches
every host with no code change. Importing the connector never imports a host SDK: only the
module of one host (for example `deepseek_connector.hosts.airflow.operators`) imports its own.
"""
