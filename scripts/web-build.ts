/** `npm run web:build`: builds the privacy center and the console into web/dist (what the local runtime and CDK serve). */
import { buildWebPages, WEB_DIST } from '../infra/web-build.ts';

buildWebPages();
console.log(`web pages built in ${WEB_DIST}`);
