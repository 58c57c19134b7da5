// Task-queue names, shared by workflows (which route activities) and workers (which poll them).

/** Activities that run plan commands poll here: a worker on the service's host, where its scripts are. */
export function commandsTaskQueue(taskQueue: string): string {
  return `${taskQueue}-commands`;
}
