/**
 * A load generator in a process of its own (child of an API benchmark, over IPC): runs the LoadJob it is sent and
 * answers with its result, so the clients' work does not run on the server's event loop.
 */
import { LoadJob, runLoadJob } from './http-load';

process.once('message', (job: LoadJob) => {
  void runLoadJob(job)
    .then((result) => process.send?.({ result }, () => process.exit(0)))
    .catch((error: Error) => process.send?.({ error: error.message }, () => process.exit(1)));
});
