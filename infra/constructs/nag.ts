/**
 * Acknowledging cdk-nag (v3) findings that are deliberate. v3 matches a finding by its exact id, and
 * an IAM5 finding spells the resource the way the template does (`<Logical.Attr>`, import names),
 * which is only known once CDK has resolved the cross-stack references. So the acknowledgement of a
 * wildcard resource is made in a validation hook: after the app is prepared, before the nag pack runs.
 * No dependency on cdk-nag here: only CDK's own Validations API.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** The flat spelling cdk-nag gives a CloudFormation value in a finding id. */
export function flattenCfnValue(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value.replace(/\$\{/g, '<').replace(/\}/g, '>');
  const v = value as Record<string, any>;
  if (v['Fn::Join']) return (v['Fn::Join'][1] as unknown[]).map(flattenCfnValue).join(v['Fn::Join'][0]);
  if (v['Fn::Sub']) return flattenCfnValue(v['Fn::Sub']);
  if (v['Fn::GetAtt']) return `<${flattenCfnValue(v['Fn::GetAtt'][0])}.${flattenCfnValue(v['Fn::GetAtt'][1])}>`;
  if (v['Fn::ImportValue']) return flattenCfnValue(v['Fn::ImportValue']);
  if (v.Ref) return `<${flattenCfnValue(v.Ref)}>`;
  return JSON.stringify(value);
}

/**
 * Acknowledges AwsSolutions-IAM5 for these wildcard resources (ARNs that may hold tokens) on the
 * policies under `scope` (a role). Only these resources: any other wildcard still fails the check.
 */
export function acknowledgeWildcardResources(scope: IConstruct, resources: readonly string[], reason: string): void {
  scope.node.addValidation({
    validate: () => {
      for (const resource of resources) {
        const flat = flattenCfnValue(Stack.of(scope).resolve(resource));
        Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Resource::${flat}]`, reason });
      }
      return [];
    },
  });
}
