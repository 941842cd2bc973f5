/* The war-room wall (/war-room): the figures, large, kept live. */
import { followKpis } from "./kpis.js";
import { connect } from "./live.js";
import { readJson } from "./page.js";

const data = readJson("wall-data");
const live = connect({ since: data.seq, onEvents: () => {} });
followKpis(document.getElementById("kpis"), live);
