// Which GraphQL queries a read worker can answer whole (server/reads/): those whose root fields read
// only what a worker opens — runs, experiments, metric histories, datasets. The registry and the
// artifact stores live in the server alone, so a query that reaches them (a run's modelVersions,
// mlflowListArtifacts, mlflowSearchModelVersions) runs on the server, its reads still in workers.
import { Kind, visit, type DocumentNode, type OperationDefinitionNode } from 'graphql';

/** What the server hands a worker: a query it has parsed, checked and validated already. */
export interface WorkerGraphqlRequest {
  query: string;
  variables?: Record<string, unknown> | undefined;
  operationName?: string | undefined;
}

const WORKER_ROOT_FIELDS = new Set(['mlflowGetMetricHistoryBulkInterval', 'mlflowSearchRuns', 'mlflowGetRun', 'mlflowGetExperiment', 'mlflowSearchDatasets', '__typename']);
/** Fields below the root that read the registry. */
const SERVER_ONLY_FIELDS = new Set(['modelVersions']);

function selectedOperation(document: DocumentNode, operationName: string | undefined): OperationDefinitionNode | undefined {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (operationName === undefined) return operations.length === 1 ? operations[0] : undefined;
  return operations.find((o) => o.name?.value === operationName);
}

/** True when the operation a (valid) document runs can be executed by a read worker. */
export function runsInReadWorker(document: DocumentNode, operationName: string | undefined): boolean {
  const operation = selectedOperation(document, operationName);
  if (operation?.operation !== 'query') return false;
  if (!operation.selectionSet.selections.every((s) => s.kind === Kind.FIELD && WORKER_ROOT_FIELDS.has(s.name.value))) return false;
  let serverOnly = false;
  visit(document, {
    Field(node) {
      if (SERVER_ONLY_FIELDS.has(node.name.value)) serverOnly = true;
    },
  });
  return !serverOnly;
}
