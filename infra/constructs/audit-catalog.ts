/**
 * The Athena table over exported audit events (Glue Data Catalog): the NDJSON.gz parts an export
 * job writes under `audit-exports/events/export_id=<id>/` in the report bucket, one partition per
 * export, projected (injected: a query names its `export_id`, nothing to crawl or repair). Columns
 * are what the auditor's queries read (docs/audit.md); the OpenX JSON SerDe ignores the rest, and
 * matches keys case-insensitively (`prevHash` is `prevhash`).
 */
import { Stack } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { EXPORT_EVENTS_PREFIX } from '#core/audit/export-job.ts';

export const AUDIT_EVENTS_TABLE = 'audit_events';

/**
 * The table's columns, as Hive types with the JSON keys' own case: Glue takes them lowercased (the
 * SerDe matches keys case-insensitively); DuckDB, which matches JSON keys as spelled, reads the
 * files with them as they stand (the queries' test). SQL names are case-insensitive in both.
 */
export const auditEventColumns = [
  { name: 'stream', type: 'string' },
  { name: 'seq', type: 'bigint' },
  { name: 'at', type: 'string' },
  { name: 'actor', type: 'struct<role:string,principal:string>' },
  { name: 'action', type: 'string' },
  { name: 'target', type: 'struct<requestId:string,ecifId:string,systemId:string>' },
  { name: 'details', type: 'struct<type:string,status:string,result:string,reason:string,jurisdiction:string>' },
  { name: 'prevHash', type: 'string' },
  { name: 'hash', type: 'string' },
] as const;

export interface AuditCatalogProps {
  readonly bucket: s3.IBucket;
  /** @default 'custodian_audit' */
  readonly databaseName?: string;
}

export class AuditCatalog extends Construct {
  readonly databaseName: string;

  constructor(scope: Construct, id: string, props: AuditCatalogProps) {
    super(scope, id);
    const account = Stack.of(this).account;
    this.databaseName = props.databaseName ?? 'custodian_audit';
    const database = new glue.CfnDatabase(this, 'Database', {
      catalogId: account,
      databaseInput: { name: this.databaseName, description: 'Custodian audit exports (events only, no manifests)' },
    });
    const location = `s3://${props.bucket.bucketName}/${EXPORT_EVENTS_PREFIX}`;
    const table = new glue.CfnTable(this, 'Events', {
      catalogId: account,
      databaseName: this.databaseName,
      tableInput: {
        name: AUDIT_EVENTS_TABLE,
        tableType: 'EXTERNAL_TABLE',
        partitionKeys: [{ name: 'export_id', type: 'string' }],
        parameters: {
          classification: 'json',
          'projection.enabled': 'true',
          'projection.export_id.type': 'injected',
          'storage.location.template': `${location}export_id=\${export_id}/`,
        },
        storageDescriptor: {
          location,
          columns: auditEventColumns.map((c) => ({ name: c.name.toLowerCase(), type: c.type.toLowerCase() })),
          inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
          outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
          serdeInfo: {
            serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe',
            parameters: { 'case.insensitive': 'true', 'ignore.malformed.json': 'false' },
          },
        },
      },
    });
    table.node.addDependency(database);
  }
}
