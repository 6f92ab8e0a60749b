/** Process entry (`npm start`, the container's command): runs the service (serve.ts). */
import { serve } from './serve.js';

await serve();
