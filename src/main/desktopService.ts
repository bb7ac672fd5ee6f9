import { createWorkbenchService, type WorkbenchService, type WorkbenchServiceOptions } from '../service/workbenchService.js';
import { HostListener } from './hostListener.js';

/** The desktop app's service: the workbench over the data folder, its queue if no other process runs it, and its listener for hosts. */
export interface DesktopService {
  service: WorkbenchService;
  /** Why this app does not train (another process runs the data folder's queue), or null. */
  queueRefusal: Error | null;
  /** Stops listening for hosts, then closes the service (runs resume from their checkpoints next start). */
  close(): Promise<void>;
}

/** Starts the service as the desktop app runs it (src/main/index.ts); resolves once the listener for hosts follows the setting. */
export async function startDesktopService(
  options: Omit<WorkbenchServiceOptions, 'autoStart' | 'hostListener'> & { log(line: string): void },
): Promise<DesktopService> {
  const service = await createWorkbenchService({ ...options, autoStart: false, hostListener: 'own' });
  let queueRefusal: Error | null = null;
  try {
    service.startQueue();
  } catch (err) {
    queueRefusal = err as Error;
  }
  const hosts = new HostListener({ service, ownsQueue: queueRefusal === null, log: options.log });
  await hosts.follow();
  return {
    service,
    queueRefusal,
    async close() {
      await hosts.close();
      await service.close();
    },
  };
}
