// The MLflow release whose REST API, client and UI Minflow is tested against (test/compat/requirements.txt).
export const MLFLOW_COMPATIBLE_VERSION = '3.17.2';
