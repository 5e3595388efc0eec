import { x } from '#celigo/probe'; console.log(x);
