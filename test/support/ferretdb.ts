/**
 * The FerretDB binary the suite's global setup built, or undefined when it could not be built
 * (the suite runs against MONGODB_URI on a machine without Go).
 */
export const ferretDbBinary = (): string => process.env.ORX_TEST_FERRETDB_BIN as string;

/**
 * `describe` for specs that start FerretDB processes of their own (to stop and restart a database
 * under the app). Reason for the skip: without a FerretDB binary they cannot run at all; the global
 * setup says so when it starts, and every other spec runs against MONGODB_URI.
 */
export const describeWithFerretDb: jest.Describe = process.env.ORX_TEST_FERRETDB_BIN ? describe : describe.skip;
