// placeholder entry, replaced below
export {};
