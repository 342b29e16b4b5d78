/**
 * The alarms stack: what pages an operator, watching the stateless stack's functions, state machine,
 * APIs and dead letters. Its own stack because one alarm per function would put the stateless stack
 * past CloudFormation's 500 resources; redeployed with it, holds no data.
 */
import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { CustodianAlarms, type CustodianAlarmsProps } from '../constructs/alarms.ts';

export type AlarmsStackProps = StackProps & CustodianAlarmsProps;

export class AlarmsStack extends Stack {
  readonly alarms: CustodianAlarms;

  constructor(scope: Construct, id: string, props: AlarmsStackProps) {
    super(scope, id, props);
    this.alarms = new CustodianAlarms(this, 'Alarms', props);
  }
}
