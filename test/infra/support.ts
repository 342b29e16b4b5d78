/**
 * Reading the synthesized templates the way a reviewer would: which function is which row, what
 * a policy statement's resource points at (across the stacks' exports), which actions a role has.
 */
import type { CfnTemplate } from '#infra/synth.ts';
import type { TableName } from '#handlers/http/routes.ts';

export type Resource = {
  Type: string;
  Properties?: Record<string, any>;
  Metadata?: Record<string, any>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
};
export type Template = CfnTemplate & { Outputs?: Record<string, { Value: unknown; Export?: { Name: string } }> };

export function resources(t: Template, type?: string): [string, Resource][] {
  return Object.entries((t.Resources ?? {}) as Record<string, Resource>).filter(([, r]) => !type || r.Type === type);
}

/** Logical id of the one resource with this metadata value. */
export function byMetadata(t: Template, key: string, value: string): string {
  const found = resources(t).filter(([, r]) => r.Metadata?.[key] === value);
  if (found.length !== 1) throw new Error(`expected one resource with ${key}=${value}, found ${found.length}`);
  return found[0][0];
}

/** What a resource reference of the stateless template designates, in the stateful template's terms. */
export type Target =
  | { kind: 'table'; table: TableName }
  | { kind: 'index'; table: TableName; index: string }
  | { kind: 'key' }
  | { kind: 'audit-key' }
  | { kind: 'secret'; secret: 'pepper' | 'connector-signing' }
  | { kind: 'bucket-objects' }
  | { kind: 'digest-objects' }
  | { kind: 'connected-tables'; pattern: string }
  | { kind: 'system-secrets'; pattern: string }
  | { kind: 'ses-identity'; identity: string }
  | { kind: 'local'; logicalId: string; suffix: string }
  | { kind: 'other'; raw: unknown };

export class StackPair {
  private tableByLogicalId = new Map<string, TableName>();
  readonly keyId: string;
  /** The asymmetric audit key (ECC P-256, sign/verify). */
  readonly auditKeyId: string;
  readonly secretIds: Map<string, 'pepper' | 'connector-signing'>;
  readonly bucketId: string;
  readonly digestBucketId: string;

  constructor(
    readonly stateful: Template,
    readonly stateless: Template,
  ) {
    for (const [id, r] of resources(stateful, 'AWS::DynamoDB::Table')) {
      this.tableByLogicalId.set(id, r.Metadata?.['custodian:table']);
    }
    const keys = resources(stateful, 'AWS::KMS::Key');
    const secrets = resources(stateful, 'AWS::SecretsManager::Secret');
    const symmetric = keys.filter(([, k]) => !k.Properties?.KeySpec);
    const audit = keys.filter(([, k]) => k.Properties?.KeySpec === 'ECC_NIST_P256');
    if (symmetric.length !== 1 || audit.length !== 1 || keys.length !== 2 || secrets.length !== 2)
      throw new Error('expected the data key, the audit key and two secrets');
    this.keyId = symmetric[0][0];
    this.auditKeyId = audit[0][0];
    this.secretIds = new Map(secrets.map(([id, r]) => [id, r.Metadata?.['custodian:secret']]));
    this.bucketId = byMetadata(stateful, 'custodian:bucket', 'reports');
    this.digestBucketId = byMetadata(stateful, 'custodian:bucket', 'audit-digests');
  }

  /** The stateful template's value behind an export name. */
  exported(name: string): unknown {
    const out = Object.values(this.stateful.Outputs ?? {}).find((o) => o.Export?.Name === name);
    if (!out) throw new Error(`no export ${name} in the stateful template`);
    return out.Value;
  }

  /** Turns a reference (GetAtt/Ref/ImportValue, possibly joined with a suffix) into what it designates. */
  target(ref: unknown): Target {
    const join = (ref as any)?.['Fn::Join'];
    let base: unknown = ref;
    let suffix = '';
    if (join && join[0] === '' && join[1].length === 2 && typeof join[1][1] === 'string') {
      base = join[1][0];
      suffix = join[1][1];
    }
    const imported = (base as any)?.['Fn::ImportValue'];
    if (typeof imported === 'string') {
      const value = this.exported(imported) as any;
      const getAtt = value?.['Fn::GetAtt'];
      const id: string | undefined = getAtt?.[0] ?? value?.Ref;
      const attr: string = getAtt?.[1] ?? 'Ref';
      if (id && this.tableByLogicalId.has(id) && attr === 'Arn') {
        const table = this.tableByLogicalId.get(id)!;
        if (suffix === '') return { kind: 'table', table };
        const m = /^\/index\/([A-Za-z0-9_.-]+)$/.exec(suffix);
        if (m) return { kind: 'index', table, index: m[1] };
      }
      if (id === this.keyId && attr === 'Arn' && suffix === '') return { kind: 'key' };
      if (id === this.auditKeyId && attr === 'Arn' && suffix === '') return { kind: 'audit-key' };
      if (id && this.secretIds.get(id) && attr === 'Ref' && suffix === '')
        return { kind: 'secret', secret: this.secretIds.get(id)! };
      if (id === this.bucketId && attr === 'Arn' && suffix === '/*') return { kind: 'bucket-objects' };
      if (id === this.digestBucketId && attr === 'Arn' && suffix === '/digests/*') return { kind: 'digest-objects' };
      return { kind: 'other', raw: ref };
    }
    const localId: string | undefined = (base as any)?.['Fn::GetAtt']?.[0] ?? (base as any)?.Ref;
    if (typeof localId === 'string' && !localId.startsWith('AWS::'))
      return { kind: 'local', logicalId: localId, suffix };
    // arn:${Partition}:dynamodb:${Region}:${Account}:table/<pattern>, ...:secretsmanager:...:secret:<pattern>
    if (join && join[0] === '') {
      const flat = (join[1] as unknown[]).map((p) => (typeof p === 'string' ? p : '{}')).join('');
      const m = /^arn:\{\}:dynamodb:\{\}:\{\}:table\/(.+)$/.exec(flat);
      if (m) return { kind: 'connected-tables', pattern: m[1] };
      const secret = /^arn:\{\}:secretsmanager:\{\}:\{\}:secret:(.+)$/.exec(flat);
      if (secret) return { kind: 'system-secrets', pattern: secret[1] };
      const ses = /^arn:\{\}:ses:\{\}:\{\}:identity\/(.+)$/.exec(flat);
      if (ses) return { kind: 'ses-identity', identity: ses[1] };
    }
    return { kind: 'other', raw: ref };
  }
}

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, any>;
  Sid?: string;
}

export const asArray = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

/** Every statement of every policy attached to a role (inline policies of the role included). */
export function roleStatements(t: Template, roleId: string): Statement[] {
  const out: Statement[] = [];
  for (const [, p] of resources(t, 'AWS::IAM::Policy')) {
    const attached = (p.Properties?.Roles ?? []).some((r: any) => r?.Ref === roleId);
    if (attached) out.push(...p.Properties!.PolicyDocument.Statement);
  }
  const role = t.Resources?.[roleId] as Resource | undefined;
  for (const p of role?.Properties?.Policies ?? []) out.push(...p.PolicyDocument.Statement);
  return out;
}

/** The role logical id of a Lambda function resource. */
export function functionRole(fn: Resource): string {
  const id = fn.Properties?.Role?.['Fn::GetAtt']?.[0];
  if (typeof id !== 'string') throw new Error('function role is not a role of this stack');
  return id;
}
