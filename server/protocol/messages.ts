// Message specs shared by several RPCs (service.proto sub-messages).
import type { MessageSpec } from './fields.js';

export const TagSpec = { key: { type: 'string', required: true }, value: { type: 'string' } } as const satisfies MessageSpec;
export const TAGS = { type: 'message', fields: TagSpec, repeated: true } as const;

export const MetricSpec = {
  key: { type: 'string', required: true },
  value: { type: 'double', required: true },
  timestamp: { type: 'int64', required: true },
  step: { type: 'int64' },
  dataset_name: { type: 'string' },
  dataset_digest: { type: 'string' },
  model_id: { type: 'string' },
  run_id: { type: 'string' },
} as const satisfies MessageSpec;

export const DatasetSpec = {
  name: { type: 'string' },
  digest: { type: 'string' },
  source_type: { type: 'string' },
  source: { type: 'string' },
  schema: { type: 'string' },
  profile: { type: 'string' },
} as const satisfies MessageSpec;

export const DatasetInputSpec = {
  tags: { type: 'message', fields: { key: { type: 'string' }, value: { type: 'string' } }, repeated: true },
  dataset: { type: 'message', fields: DatasetSpec },
} as const satisfies MessageSpec;

/** Tags as the store wants them: absent values are empty strings, as proto2 strings read. */
export function tagList(tags: { key?: string; value?: string }[] | undefined): { key: string; value: string }[] {
  return (tags ?? []).map((t) => ({ key: t.key ?? '', value: t.value ?? '' }));
}
