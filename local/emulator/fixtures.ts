// Raw material for the emulator's data: people, companies and the connector catalog the demo is built from.

/** A display name and the ASCII stem its email uses (integrator.io emails are ASCII, names are not). */
export interface PersonName {
  name: string;
  emailStem: string;
}

// Several names are non-ASCII on purpose: they exercise UTF-8 through JSON, storage, CSV and terminals.
export const personNames: readonly PersonName[] = [
  { name: 'Jane Doe', emailStem: 'jane.doe' },
  { name: 'John Smith', emailStem: 'john.smith' },
  { name: 'José Müller', emailStem: 'jose.mueller' },
  { name: '山田太郎', emailStem: 'taro.yamada' },
  { name: 'Zoë Ångström', emailStem: 'zoe.angstrom' },
  { name: 'Łukasz Żółkiewski', emailStem: 'lukasz.zolkiewski' },
  { name: 'Søren Ødegaard', emailStem: 'soren.odegaard' },
  { name: 'Nguyễn Văn An', emailStem: 'an.nguyen' },
  { name: 'Mária Kovács', emailStem: 'maria.kovacs' },
  { name: "Siobhán O'Brien", emailStem: 'siobhan.obrien' },
  { name: 'Priya Raghunathan', emailStem: 'priya.raghunathan' },
  { name: 'Ahmed Al-Farsi', emailStem: 'ahmed.alfarsi' },
  { name: 'Emily Chen', emailStem: 'emily.chen' },
  { name: 'Carlos Mendoza', emailStem: 'carlos.mendoza' },
  { name: 'Olivia Brown', emailStem: 'olivia.brown' },
  { name: 'Lukas Becker', emailStem: 'lukas.becker' },
  { name: 'Fatima Zahra', emailStem: 'fatima.zahra' },
  { name: 'Hannah Kim', emailStem: 'hannah.kim' },
  { name: 'Mateo Rossi', emailStem: 'mateo.rossi' },
  { name: 'Grace Okafor', emailStem: 'grace.okafor' },
  { name: 'Noah Wilson', emailStem: 'noah.wilson' },
  { name: 'Chloé Dubois', emailStem: 'chloe.dubois' },
  { name: 'Ivan Petrov', emailStem: 'ivan.petrov' },
  { name: 'Ava Martinez', emailStem: 'ava.martinez' },
  { name: 'Ethan Clarke', emailStem: 'ethan.clarke' },
  { name: 'Mia Johansson', emailStem: 'mia.johansson' },
  { name: 'Rahul Mehta', emailStem: 'rahul.mehta' },
  { name: 'Sofia Lindqvist', emailStem: 'sofia.lindqvist' },
  { name: 'Daniel Cohen', emailStem: 'daniel.cohen' },
  { name: 'Amara Nwosu', emailStem: 'amara.nwosu' },
];

// Reserved `.example` domains, so no demo address can ever reach a real mailbox.
export const companyDomains: readonly string[] = [
  'northwind-outfitters',
  'acme-supply',
  'blue-harbor-goods',
  'cascade-coffee',
  'summit-gear',
  'lumen-home',
  'redwood-apparel',
  'brightside-pets',
  'copperleaf-kitchen',
  'evergreen-botanics',
  'fjord-design',
  'golden-gate-cycles',
  'harbor-and-hill',
  'ironwood-tools',
  'juniper-skincare',
  'kestrel-audio',
  'lighthouse-books',
  'maple-and-oak',
  'nimbus-electronics',
  'orchard-foods',
  'pacific-surf-co',
  'quartz-jewelry',
  'riverbend-toys',
  'saffron-spice',
  'tidewater-marine',
  'urban-loom',
  'velvet-fox-boutique',
  'willow-wellness',
  'yellowstone-outdoor',
  'zephyr-sports',
].map((slug) => `${slug}.example`);

/** Emails the emulator knows as integrator.io users besides the ones holding demo licenses. */
export const extraUserEmails: readonly string[] = [
  'new.customer@example.com',
  'test@domain.com',
  'jane.doe@celigo.com',
  'john.doe@celigo.com',
];

/** How many licenses of a connector sit in each state relative to "today"; the rest are healthy. */
export interface StateQuota {
  expiringWithin7: number;
  expiringWithin30: number;
  expiredRecently: number;
  expiredLongAgo: number;
  notInstalledStale: number;
  notInstalledRecent: number;
}

export interface ConnectorProfile {
  name: string;
  handle: string;
  applications: string[];
  published: boolean;
  /** Add-on license type, e.g. "store" for an extra webshop. */
  addonType: string;
  /** Integration App 2.0 licenses carry type, sandbox, _editionId and sometimes trialEndDate. */
  integrationApp: boolean;
  licenseCount: number;
  quota: StateQuota;
}

const none: StateQuota = {
  expiringWithin7: 0,
  expiringWithin30: 0,
  expiredRecently: 0,
  expiredLongAgo: 0,
  notInstalledStale: 0,
  notInstalledRecent: 0,
};

export const demoCatalog: readonly ConnectorProfile[] = [
  {
    name: 'Shopify - NetSuite Connector',
    handle: 'sc4n',
    applications: ['netsuite', 'shopify'],
    published: true,
    addonType: 'store',
    integrationApp: false,
    licenseCount: 1250,
    quota: {
      expiringWithin7: 9,
      expiringWithin30: 26,
      expiredRecently: 12,
      expiredLongAgo: 31,
      notInstalledStale: 7,
      notInstalledRecent: 4,
    },
  },
  {
    name: 'Salesforce - NetSuite Connector',
    handle: 'sfnsio',
    applications: ['netsuite', 'salesforce'],
    published: true,
    addonType: 'subsidiary',
    integrationApp: false,
    licenseCount: 42,
    quota: {
      expiringWithin7: 2,
      expiringWithin30: 3,
      expiredRecently: 2,
      expiredLongAgo: 2,
      notInstalledStale: 2,
      notInstalledRecent: 1,
    },
  },
  {
    name: 'Amazon - NetSuite Integration App',
    handle: 'amazon-netsuite',
    applications: ['amazonmws', 'netsuite'],
    published: true,
    addonType: 'account',
    integrationApp: true,
    licenseCount: 6,
    quota: { ...none, expiringWithin7: 1, expiredRecently: 1, notInstalledRecent: 1 },
  },
  {
    name: 'Walmart - NetSuite Connector',
    handle: 'walmart-netsuite',
    applications: ['netsuite', 'walmart'],
    published: false,
    addonType: 'store',
    integrationApp: false,
    licenseCount: 0,
    quota: none,
  },
];

/** The EU demo account's connectors: fewer, smaller, every state still present. */
export const euDemoCatalog: readonly ConnectorProfile[] = [
  {
    name: 'Shopify - NetSuite Connector (EU)',
    handle: 'sc4n-eu',
    applications: ['netsuite', 'shopify'],
    published: true,
    addonType: 'store',
    integrationApp: false,
    licenseCount: 160,
    quota: {
      expiringWithin7: 2,
      expiringWithin30: 5,
      expiredRecently: 3,
      expiredLongAgo: 4,
      notInstalledStale: 2,
      notInstalledRecent: 1,
    },
  },
  {
    name: 'Magento 2 - NetSuite Connector',
    handle: 'magento2-netsuite',
    applications: ['magento', 'netsuite'],
    published: true,
    addonType: 'store',
    integrationApp: false,
    licenseCount: 24,
    quota: { ...none, expiringWithin30: 1, notInstalledStale: 1 },
  },
];

/** Names for benchmark data sets; a number is appended once the list runs out. */
export const generatedConnectorNames: readonly string[] = [
  'Shopify - NetSuite Connector',
  'Salesforce - NetSuite Connector',
  'Amazon - NetSuite Integration App',
  'Magento 2 - NetSuite Connector',
  'BigCommerce - NetSuite Connector',
  'Zendesk - NetSuite Connector',
  'eBay - NetSuite Connector',
  'Walmart - NetSuite Connector',
  'ADP Workforce Now - NetSuite Connector',
  'Square - NetSuite Integration App',
];
