import { start } from "./router.js";

start(document.getElementById("main"), document.getElementById("top"));
