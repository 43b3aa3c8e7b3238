// The GraphQL operations the official UI (mlflow 3.17.2) sends, verbatim from its bundle, so tests ask
// exactly what the pages ask. Apollo adds `__typename` to each selection at run time; the server must
// accept both forms.

export const GET_EXPERIMENT = `query MlflowGetExperimentQuery($input: MlflowGetExperimentInput!) @component(name: "MLflow.ExperimentRunTracking") {
  mlflowGetExperiment(input: $input) {
    apiError {
      code
      message
    }
    experiment {
      artifactLocation
      creationTime
      effectiveTraceArchivalRetention
      experimentId
      lastUpdateTime
      lifecycleStage
      name
      tags {
        key
        value
      }
    }
  }
}`;

export const GET_RUN = `query GetRun($data: MlflowGetRunInput!) @component(name: "MLflow.ExperimentRunTracking") {
  mlflowGetRun(input: $data) {
    apiError {
      helpUrl
      code
      message
    }
    run {
      info {
        runName
        status
        runUuid
        experimentId
        artifactUri
        endTime
        lifecycleStage
        startTime
        userId
      }
      experiment {
        experimentId
        name
        tags {
          key
          value
        }
        artifactLocation
        lifecycleStage
        lastUpdateTime
      }
      modelVersions {
        status
        version
        name
        source
      }
      data {
        metrics {
          key
          value
          step
          timestamp
        }
        params {
          key
          value
        }
        tags {
          key
          value
        }
      }
      inputs {
        datasetInputs {
          dataset {
            digest
            name
            profile
            schema
            source
            sourceType
          }
          tags {
            key
            value
          }
        }
        modelInputs {
          modelId
        }
      }
      outputs {
        modelOutputs {
          modelId
          step
        }
      }
    }
  }
}`;

export const SEARCH_RUNS = `query SearchRuns($data: MlflowSearchRunsInput!) {
  mlflowSearchRuns(input: $data) {
    apiError {
      helpUrl
      code
      message
    }
    runs {
      info {
        runName
        status
        runUuid
        experimentId
        artifactUri
        endTime
        lifecycleStage
        startTime
        userId
      }
      experiment {
        experimentId
        name
        tags {
          key
          value
        }
        artifactLocation
        lifecycleStage
        lastUpdateTime
      }
      data {
        metrics {
          key
          value
          step
          timestamp
        }
        params {
          key
          value
        }
        tags {
          key
          value
        }
      }
      inputs {
        datasetInputs {
          dataset {
            digest
            name
            profile
            schema
            source
            sourceType
          }
          tags {
            key
            value
          }
        }
        modelInputs {
          modelId
        }
      }
      outputs {
        modelOutputs {
          modelId
          step
        }
      }
      modelVersions {
        version
        name
        creationTimestamp
        status
        source
      }
    }
  }
}`;
