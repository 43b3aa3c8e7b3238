// MLflow's permission levels (mlflow/server/auth/permissions.py): what each allows.
export const PERMISSION_NAMES = ['READ', 'USE', 'EDIT', 'MANAGE', 'NO_PERMISSIONS'] as const;
export type PermissionName = (typeof PERMISSION_NAMES)[number];

export type Capability = 'read' | 'use' | 'update' | 'delete' | 'manage';

const CAPABILITIES: Record<PermissionName, ReadonlySet<Capability>> = {
  READ: new Set(['read']),
  USE: new Set(['read', 'use']),
  EDIT: new Set(['read', 'use', 'update']),
  MANAGE: new Set(['read', 'use', 'update', 'delete', 'manage']),
  NO_PERMISSIONS: new Set(),
};

export function allows(permission: PermissionName, capability: Capability): boolean {
  return CAPABILITIES[permission].has(capability);
}

export function isPermissionName(text: unknown): text is PermissionName {
  return typeof text === 'string' && (PERMISSION_NAMES as readonly string[]).includes(text);
}
