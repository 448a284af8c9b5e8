// Every CLI command, one file each. Keep this list in the order `obsdtui --help` shows.
import type { CommandModule } from 'yargs';
import up from './up.ts';
import down from './down.ts';
import rm from './rm.ts';
import ls from './ls.ts';
import consoleCmd from './console.ts';
import log from './log.ts';
import send from './send.ts';
import wait from './wait.ts';
import daemon from './daemon.ts';
import doctor from './doctor.ts';
import tui from './tui.ts';
import attach from './attach.ts';
import replay from './replay.ts';
import demo from './demo.ts';
import net from './net.ts';
import screen from './screen.ts';
import glass from './glass.ts';
import scan from './scan.ts';
import dmesg from './dmesg.ts';
import report from './report.ts';
import ddb from './ddb.ts';
import image from './image.ts';
import create from './create.ts';

export const commands: CommandModule[] = [tui, image, create, up, down, rm, ls, attach, consoleCmd, log, send, wait, replay, demo, net, screen, glass, scan, dmesg, report, ddb, daemon, doctor];
