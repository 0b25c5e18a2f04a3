/** One measurement; the first row of a group is its baseline. */
export interface Row {
  name: string;
  value: number;
  unit: string;
  p99ms?: number;
}
