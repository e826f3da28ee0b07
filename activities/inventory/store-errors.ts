// Errors of the inventory store. A corrupt row names its table and id, so an operator can find and fix it.
export class InventoryStoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InventoryStoreError';
  }
}

export class CorruptRowError extends InventoryStoreError {
  constructor(
    readonly table: string,
    readonly id: string | number,
    problem: string,
  ) {
    super(`${table} id ${id}: corrupt row: ${problem}`);
    this.name = 'CorruptRowError';
  }
}
