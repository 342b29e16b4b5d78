/**
 * The demo customers: deterministic (same seed, same customers), fictional, and reachable only at
 * reserved places: emails at example.com / example.org, phones in Ofcom's drama ranges
 * (e.g. +44 20 7946 0xxx, +44 161 496 0xxx) and the North American 555-01xx range, UK national
 * insurance numbers with the never-issued QQ prefix.
 *
 * Each customer comes with the ECIF body a steward PUTs and the records two connected systems hold
 * for it: the CRM (a contact) and core banking (an account). Most customers are in both systems;
 * a few in one only, so their erasure plans differ.
 */
import type { CustomerInput } from '#core/ecif/customer.ts';

export const CRM_SYSTEM_ID = 'crm';
export const CORE_BANKING_SYSTEM_ID = 'core-banking';
export const MARKETING_SYSTEM_ID = 'marketing';
export const WAREHOUSE_SYSTEM_ID = 'warehouse';

/** A contact as the demo CRM holds it (keyed by contactId, the CRM's local id). */
export type CrmContact = {
  contactId: string;
  firstName: string;
  lastName: string;
  email: string;
  phone: string;
  notes: string;
  marketingSegment: string;
  lastContactedOn: string;
};

/** An account as the core-banking table holds it (keyed by accountId, core banking's local id). */
export type CoreBankingAccount = {
  accountId: string;
  accountNumber: string;
  holderName: string;
  email: string;
  phone: string;
  address: string;
  postcode: string;
  country: string;
  dateOfBirth: string;
  nationalId?: string;
  balance: number;
  currency: string;
  kycDocumentRef: string;
  transactionSummary: string;
  openedOn: string;
  /** Items are read back and compared by field name (the connector's field list). */
  [field: string]: unknown;
};

/** A row of the data warehouse's customer table (PostgreSQL; keyed by customer_key, the warehouse's local id). */
export type WarehouseRow = {
  customer_key: string;
  full_name: string;
  email: string;
  phone: string;
  postcode: string | null;
  /** Staged as text (ISO date), as warehouses often load it. */
  date_of_birth: string;
  segment: string;
  lifetime_value: number;
  last_campaign: string;
};

export interface DemoCustomer {
  ecifId: string;
  /** The primary email (input.emails[0]): what an erasure request names the customer by. */
  email: string;
  /** Body of PUT /v1/ecif/customers/{ecifId}. */
  input: CustomerInput;
  crm?: CrmContact;
  coreBanking?: CoreBankingAccount;
  /** The newsletter profile on the marketing platform (an async system). */
  marketing?: CrmContact;
  /** Only with the demo warehouse (withWarehouse). */
  warehouse?: WarehouseRow;
}

/** mulberry32: a small, fast, seedable PRNG (floats in [0, 1)). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const givenNames = [
  'Olivia',
  'Amelia',
  'Isla',
  'Ava',
  'Mia',
  'Grace',
  'Freya',
  'Sophia',
  'Lily',
  'Emily',
  'Chloe',
  'Ella',
  'Hannah',
  'Zara',
  'Priya',
  'Aisha',
  'Niamh',
  'Maya',
  'Ruth',
  'Clara',
  'Oliver',
  'George',
  'Arthur',
  'Noah',
  'Leo',
  'Harry',
  'Oscar',
  'Jack',
  'Charlie',
  'Thomas',
  'James',
  'William',
  'Samuel',
  'Daniel',
  'Arjun',
  'Kwame',
  'Mateo',
  'Ethan',
  'Lucas',
  'Henry',
];
const familyNames = [
  'Smith',
  'Jones',
  'Taylor',
  'Brown',
  'Williams',
  'Wilson',
  'Johnson',
  'Davies',
  'Patel',
  'Robinson',
  'Wright',
  'Thompson',
  'Evans',
  'Walker',
  'White',
  'Roberts',
  'Green',
  'Hall',
  'Wood',
  'Jackson',
  'Clarke',
  'Khan',
  'Hughes',
  'Edwards',
  'Lewis',
  'Harris',
  'Martin',
  'Cooper',
  'Ward',
  'Morgan',
  'Bennett',
  'Okafor',
  'Nguyen',
  'Garcia',
  'Murphy',
  'Kelly',
  'Fischer',
];
const streets = [
  'Acacia Avenue',
  'Station Road',
  'Church Lane',
  'Mill Street',
  'Victoria Road',
  'Park Terrace',
  'Orchard Close',
  'High Street',
  'Queens Walk',
  'Elm Grove',
  'Harbour View',
  'Kingsway',
  'Maple Drive',
  'Willow Crescent',
  'Meadow Way',
];
/** `drama`: the city's Ofcom drama-range prefix (1000 numbers each: prefix + 3 digits). */
const ukCities: { city: string; outward: string[]; drama: string }[] = [
  { city: 'London', outward: ['EC1A', 'N1', 'SE1', 'E2', 'W1T', 'NW3'], drama: '+442079460' },
  { city: 'Manchester', outward: ['M1', 'M4', 'M20'], drama: '+441614960' },
  { city: 'Bristol', outward: ['BS1', 'BS8'], drama: '+441174960' },
  { city: 'Leeds', outward: ['LS1', 'LS6'], drama: '+441134960' },
  { city: 'Edinburgh', outward: ['EH1', 'EH3'], drama: '+441314960' },
  { city: 'Belfast', outward: ['BT1', 'BT7'], drama: '+442890180' },
];
const usCities: { city: string; state: string; zip: string[]; area: string }[] = [
  { city: 'New York', state: 'NY', zip: ['10001', '10013', '10027'], area: '212' },
  { city: 'Boston', state: 'MA', zip: ['02108', '02116'], area: '617' },
  { city: 'Chicago', state: 'IL', zip: ['60601', '60614'], area: '312' },
  { city: 'Seattle', state: 'WA', zip: ['98101', '98109'], area: '206' },
  { city: 'Austin', state: 'TX', zip: ['78701', '78704'], area: '512' },
];
const usOverflowAreas = ['', '202', '303', '305', '404', '415', '503', '602', '615', '702'];
const marketingSegments = [
  'young-professional',
  'family',
  'retiree',
  'student',
  'small-business-owner',
  'high-net-worth',
];
const notes = [
  'Prefers email; asked about fixed-rate mortgages.',
  'Called about a card replacement; mentioned moving house soon.',
  'Interested in savings products for children.',
  'Complained about branch waiting times; resolved.',
  'Asked not to be called before 10am.',
  'Travelling abroad frequently; asked about foreign exchange fees.',
  'Recently bereaved; handle with care.',
  'Wants paperless statements.',
];
const letters = 'ABDEFGHJLNPQRSTUWXYZ';

const pad = (n: number, width: number) => String(n).padStart(width, '0');

export function ecifIdOf(n: number): string {
  return `C${pad(n, 6)}`;
}

/** `count` customers, C000001 first (the demo customer dev tokens name), from `seed`. */
export function demoCustomers(seed = 42, count = 60): DemoCustomer[] {
  if (!Number.isInteger(count) || count < 1 || count > 999) throw new Error('count must be an integer from 1 to 999');
  const rnd = mulberry32(seed);
  const int = (min: number, max: number) => min + Math.floor(rnd() * (max - min + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const digits = (k: number) => Array.from({ length: k }, () => int(0, 9)).join('');

  const customers: DemoCustomer[] = [];
  for (let n = 1; n <= count; n++) {
    const ecifId = ecifIdOf(n);
    const given = pick(givenNames);
    const family = pick(familyNames);
    const uk = rnd() < 0.7;
    const birthDate = `${int(1945, 2004)}-${pad(int(1, 12), 2)}-${pad(int(1, 28), 2)}`;
    const houseNumber = int(1, 180);
    const street = pick(streets);

    let address: CustomerInput['addresses'][number];
    let phone: string;
    let postcode: string;
    const nationalIds: CustomerInput['nationalIds'] = [];
    if (uk) {
      const c = pick(ukCities);
      postcode = `${pick(c.outward)} ${int(1, 9)}${pick(letters.split(''))}${pick(letters.split(''))}`;
      address = { line1: `${houseNumber} ${street}`, city: c.city, postcode, country: 'GB' };
      // One number per customer index: identifiers must not collide across customers.
      phone = `${c.drama}${pad(n, 3)}`;
      if (rnd() < 0.6) nationalIds.push({ country: 'GB', value: `QQ${pad(n, 3)}${digits(3)}C` });
    } else {
      const c = pick(usCities);
      postcode = pick(c.zip);
      const apartment = rnd() < 0.3 ? { line2: `Apt ${int(1, 40)}` } : {};
      address = {
        line1: `${houseNumber} ${street}`,
        ...apartment,
        city: `${c.city}, ${c.state}`,
        postcode,
        country: 'US',
      };
      // 555-0100..0199 per area code: past the first 99 customers, the area code moves on so numbers stay unique.
      phone = `+1${n < 100 ? c.area : usOverflowAreas[Math.floor(n / 100)]}55501${pad(n % 100, 2)}`;
    }

    const local = `${given}.${family}`.toLowerCase();
    const emails = [`${local}${n}@example.com`];
    if (rnd() < 0.25) emails.push(`${given[0].toLowerCase()}${family.toLowerCase()}${n}@example.org`);

    const segment = rnd() < 0.75 ? 'retail' : pick(['private', 'business'] as const);
    const kycRoll = rnd();
    const kycStatus = kycRoll < 0.85 ? 'verified' : kycRoll < 0.95 ? 'pending' : 'expired';

    // Where the customer is known: the first three in both systems (the walkthrough's customers),
    // then mostly both, some in one only.
    const roll = rnd();
    const inCrm = n <= 3 || roll >= 0.1;
    const inCore = n <= 3 || roll < 0.1 || roll >= 0.2;

    const crossReferences: CustomerInput['crossReferences'] = [];
    let crm: CrmContact | undefined;
    let coreBanking: CoreBankingAccount | undefined;
    const contactNote = pick(notes);
    const marketingSegment = pick(marketingSegments);
    const lastContactedOn = `2025-${pad(int(1, 12), 2)}-${pad(int(1, 28), 2)}`;
    if (inCrm) {
      const contactId = `CRM-${n}`;
      crossReferences.push({ systemId: CRM_SYSTEM_ID, localId: contactId, source: 'demo-seed' });
      crm = {
        contactId,
        firstName: given,
        lastName: family,
        email: emails[0],
        phone,
        notes: contactNote,
        marketingSegment,
        lastContactedOn,
      };
    }
    // Newsletter subscribers (no random draw: the other values stay as they were): C000002, then every third CRM contact.
    let marketing: CrmContact | undefined;
    if (inCrm && (n === 2 || n % 3 === 0)) {
      const contactId = `MKT-${n}`;
      crossReferences.push({ systemId: MARKETING_SYSTEM_ID, localId: contactId, source: 'demo-seed' });
      marketing = {
        contactId,
        firstName: given,
        lastName: family,
        email: emails[0],
        phone,
        notes: 'newsletter subscriber',
        marketingSegment,
        lastContactedOn,
      };
    }
    const accountNumber = digits(8);
    const balance = Math.round(rnd() * (segment === 'retail' ? 25_000 : 400_000) * 100) / 100;
    const openedYear = int(Math.max(Number(birthDate.slice(0, 4)) + 18, 1990), 2024);
    const transactions = int(12, 480);
    if (inCore) {
      const accountId = `ACC-${n}`;
      crossReferences.push({ systemId: CORE_BANKING_SYSTEM_ID, localId: accountId, source: 'demo-seed' });
      coreBanking = {
        accountId,
        accountNumber,
        holderName: `${given} ${family}`,
        email: emails[0],
        phone,
        address: [address.line1, address.line2, address.city].filter(Boolean).join(', '),
        postcode,
        country: address.country,
        dateOfBirth: birthDate,
        ...(nationalIds[0] ? { nationalId: nationalIds[0].value } : {}),
        balance,
        currency: uk ? 'GBP' : 'USD',
        kycDocumentRef: `KYC-${openedYear}-${digits(6)}`,
        transactionSummary: `${transactions} transactions in the last 12 months`,
        openedOn: `${openedYear}-${pad(int(1, 12), 2)}-${pad(int(1, 28), 2)}`,
      };
    }

    const input: CustomerInput = {
      name: { given, family },
      birthDate,
      addresses: [address],
      emails,
      phones: [phone],
      nationalIds,
      segment,
      kycStatus,
      ...(n % 7 === 0 ? { householdId: `HH-${pad(n - 1, 4)}` } : {}),
      crossReferences,
    };
    customers.push({
      ecifId,
      email: emails[0],
      input,
      ...(crm ? { crm } : {}),
      ...(coreBanking ? { coreBanking } : {}),
      ...(marketing ? { marketing } : {}),
    });
  }
  return customers;
}

/** The marketing platform's profiles of a set of customers. */
export function marketingRecords(customers: DemoCustomer[]): CrmContact[] {
  return customers.flatMap((c) => (c.marketing ? [c.marketing] : []));
}

/** The CRM's records of a set of customers. */
export function crmRecords(customers: DemoCustomer[]): CrmContact[] {
  return customers.flatMap((c) => (c.crm ? [c.crm] : []));
}

/** The core-banking table's items of a set of customers. */
export function coreBankingRecords(customers: DemoCustomer[]): CoreBankingAccount[] {
  return customers.flatMap((c) => (c.coreBanking ? [c.coreBanking] : []));
}

/**
 * The data warehouse holds every CRM contact (marketing analytics), keyed `DW-<n>`, each with its
 * cross-reference added. Derived from the records already drawn, with no draw of its own: the same
 * seed gives the other systems the same data with or without the warehouse.
 */
export function withWarehouse(customers: DemoCustomer[]): DemoCustomer[] {
  return customers.map((c) => {
    if (!c.crm) return c;
    const n = Number(c.ecifId.slice(1));
    const row: WarehouseRow = {
      customer_key: `DW-${n}`,
      full_name: `${c.input.name.given} ${c.input.name.family}`,
      email: c.crm.email,
      phone: c.crm.phone,
      postcode: c.input.addresses[0]?.postcode ?? null,
      date_of_birth: c.input.birthDate ?? '1970-01-01',
      segment: c.crm.marketingSegment,
      lifetime_value: ((n * 7_919) % 48_000) + 1_000,
      last_campaign: `campaign-${c.crm.lastContactedOn.slice(0, 7)}`,
    };
    const crossReferences = [
      ...c.input.crossReferences,
      { systemId: WAREHOUSE_SYSTEM_ID, localId: row.customer_key, source: 'demo-seed' },
    ];
    return { ...c, input: { ...c.input, crossReferences }, warehouse: row };
  });
}

/** The warehouse's rows of a set of customers. */
export function warehouseRecords(customers: DemoCustomer[]): WarehouseRow[] {
  return customers.flatMap((c) => (c.warehouse ? [c.warehouse] : []));
}

/** One line for the start banner: how many, and where they are known. */
export function describeCustomers(customers: DemoCustomer[], seed: number): string {
  const both = customers.filter((c) => c.crm && c.coreBanking).length;
  const crmOnly = customers.filter((c) => c.crm && !c.coreBanking).length;
  const coreOnly = customers.filter((c) => !c.crm && c.coreBanking).length;
  const warehouse = customers.filter((c) => c.warehouse).length;
  return `${customers.length} ECIF customers (seed ${seed}): ${both} in CRM and core banking, ${crmOnly} in CRM only, ${coreOnly} in core banking only${warehouse ? `; ${warehouse} in the data warehouse` : ''}`;
}
