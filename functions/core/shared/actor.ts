/** Who did something: a role and an opaque principal id (a token subject, never an email). */
export interface Actor {
  role: 'customer' | 'crm' | 'auditor' | 'operator' | 'steward' | 'anonymous' | 'system' | 'connected-system';
  principal: string;
}

export const workflowActor: Actor = { role: 'system', principal: 'privacy-request-workflow' };
