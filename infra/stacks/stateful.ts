/**
 * The stateful stack: what holds personal data or identities (key, tables, buckets, pepper,
 * user pool). Retained on delete; deployed rarely; the stateless stack references it.
 */
import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { AuditCatalog } from '../constructs/audit-catalog.ts';
import { CustodianData, type CustodianDataProps } from '../constructs/data.ts';
import { CustodianIdentity } from '../constructs/identity.ts';

export interface StatefulStackProps extends StackProps {
  readonly data?: CustodianDataProps;
}

export class StatefulStack extends Stack {
  readonly data: CustodianData;
  readonly identity: CustodianIdentity;
  readonly auditCatalog: AuditCatalog;

  constructor(scope: Construct, id: string, props: StatefulStackProps = {}) {
    super(scope, id, props);
    this.data = new CustodianData(this, 'Data', props.data);
    this.identity = new CustodianIdentity(this, 'Identity', { removalPolicy: props.data?.removalPolicy });
    // Athena over the audit exports in the report bucket (docs/audit.md, auditor queries).
    this.auditCatalog = new AuditCatalog(this, 'AuditCatalog', { bucket: this.data.reportBucket });
  }
}
