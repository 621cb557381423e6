/** A JSON-compatible value: what an app returns (`AppValue`) and saves in a checkpoint. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
