/** Mailchimp Marketing API: an audience member, in each configured audience (docs/connectors.md). */
import type { RestDefinitionInput } from '../definition.ts';

const member = '/3.0/lists/{{each}}/members/{{id}}';

export const mailchimp: RestDefinitionInput = {
  id: 'mailchimp',
  version: '1',
  title: 'Mailchimp Marketing API (audience members)',
  reference: 'https://mailchimp.com/developer/marketing/api/list-members/',
  // HTTP basic with any user name and the API key as password: the secret is {"username":"custodian","password":"<key>"}.
  auth: { kind: 'basic' },
  settings: [
    {
      name: 'listIds',
      description: 'The audiences (list ids) a subject may be a member of; each is searched and acted on',
      list: true,
      example: ['a1b2c3d4e5'],
    },
  ],
  permissions: [
    'An API key of a user with the Manager role or above on the account (API keys carry the user’s rights)',
  ],
  objects: [
    {
      name: 'member',
      forEach: 'listIds',
      read: { method: 'GET', path: member },
      fieldPaths: {
        FNAME: 'merge_fields.FNAME',
        LNAME: 'merge_fields.LNAME',
        PHONE: 'merge_fields.PHONE',
        ADDRESS: 'merge_fields.ADDRESS',
        BIRTHDAY: 'merge_fields.BIRTHDAY',
      },
      // The member id is the MD5 of the lower-cased email: found without a search.
      search: [{ by: 'email', idFrom: '{{email|md5lower}}' }],
      // Permanent: the email cannot be re-imported to the audience (an archive would keep the data).
      delete: { method: 'POST', path: `${member}/actions/delete-permanent` },
      rectify: { method: 'PATCH', path: member, body: '{{changes}}' },
      opt_out: {
        request: { method: 'PATCH', path: member, body: { status: 'unsubscribed' } },
        check: { path: 'status', equals: 'unsubscribed' },
      },
    },
  ],
};
