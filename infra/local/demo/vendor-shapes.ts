/**
 * The five vendors' APIs as the shipped definitions use them, each the way its description
 * (test/fixtures/vendor-apis/) shapes records, answers and errors: the routes of ./vendor-api.ts.
 */
import { dynamics365 } from './vendors/dynamics365.ts';
import { hubspot } from './vendors/hubspot.ts';
import { mailchimp } from './vendors/mailchimp.ts';
import { salesforce } from './vendors/salesforce.ts';
import { stripe } from './vendors/stripe.ts';

export type { Route, VendorShape } from './vendors/shape.ts';

export const vendorShapes = { salesforce, dynamics365, hubspot, mailchimp, stripe } as const;
