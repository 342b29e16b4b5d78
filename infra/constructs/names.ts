/** Construct ids from the tables' names: `put-ecif-customer` -> `PutEcifCustomer`, `ecif` -> `Ecif`. */
export function pascal(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');
}
