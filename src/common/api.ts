import { z } from 'zod';

// The one contract between the UI and the application, with two transports: Electron IPC
// (src/preload + src/main/ipc.ts) and, later, HTTP in `serve` mode. Both are generated from the
// tables here and in channels.ts, so adding a method is a line in `WorkbenchApi`, its schemas in
// `apiMethods` and its name in channels.ts; the compiler rejects a method missing from either
// table, or whose schemas disagree with its signature.

export const SystemInfoSchema = z.object({
  appVersion: z.string(),
  platform: z.string(),
  versions: z.object({
    node: z.string(),
    // null outside Electron (serve mode in a browser).
    electron: z.string().nullable(),
    chrome: z.string().nullable(),
  }),
  // The tfjs backend the engine selected; null until the engine has reported one.
  backend: z.string().nullable(),
});
export type SystemInfo = z.infer<typeof SystemInfoSchema>;

export interface WorkbenchApi {
  getSystemInfo(): Promise<SystemInfo>;
}

export type ApiMethodName = keyof WorkbenchApi;

// Arguments travel as a tuple, exactly as the caller passed them, so one schema checks their
// number as well as their shapes.
type MethodSchemas<M> = M extends (...args: infer A) => Promise<infer R>
  ? { args: z.ZodType<A>; result: z.ZodType<R> }
  : never;

export const apiMethods: { [K in ApiMethodName]: MethodSchemas<WorkbenchApi[K]> } = {
  getSystemInfo: { args: z.tuple([]), result: SystemInfoSchema },
};
