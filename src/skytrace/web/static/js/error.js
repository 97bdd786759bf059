// The error page: only the search box needs wiring; the message is in the HTML.
import { initSearch } from "./common.js";

initSearch();
window.skytraceReady = true;
