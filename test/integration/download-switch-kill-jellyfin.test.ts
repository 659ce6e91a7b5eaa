// kill -9 at each step of a download switch-off on Jellyfin: see download-switch-kill.cases.ts.
import { killCases } from './download-switch-kill.cases.ts';

killCases('jellyfin');
