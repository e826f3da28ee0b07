import { FlagError, parseFlags } from './cli-flags.js';
import { type CommandContext, causeOf } from './command-context.js';
import { DeviceCommandError, lines } from './command-result.js';
import {
  type ManagedSystem,
  type Partition,
  type ScsiServerAdapter,
  type ViosConfig,
  discoverHdisks,
} from './fleet-model.js';
import { physicalLocation } from './hmc-records.js';
import { ShellSyntaxError, splitShellWords } from './shell-words.js';

/**
 * The ioscli commands viosvrcmd carries to a VIOS: lsmap, lsdev, chkdev, mkvdev, rmvdev, vfcmap, cfgdev.
 * VIOS errors print `[VIOSE…] text`-style messages; see README for the guessed parts.
 */
export function runIoscli(ctx: CommandContext, system: ManagedSystem, vios: Partition, commandLine: string): string {
  let words: string[];
  try {
    words = splitShellWords(commandLine);
  } catch (error) {
    if (error instanceof ShellSyntaxError) throw viosError('0101', `Syntax error in command: ${error.message}`);
    throw error;
  }
  const [name, ...args] = words;
  const config = vios.vios as ViosConfig;
  try {
    switch (name) {
      case 'lsmap':
        return lsmap(system, vios, config, args);
      case 'lsdev':
        return lsdev(ctx, config, args);
      case 'chkdev':
        return chkdev(config, args);
      case 'mkvdev':
        return mkvdev(ctx, config, args);
      case 'rmvdev':
        return rmvdev(ctx, config, args);
      case 'vfcmap':
        return vfcmap(ctx, config, args);
      case 'cfgdev':
        return cfgdev(ctx, system, args);
      default:
        throw viosError('0003', `"${name ?? ''}" is not a valid command.`);
    }
  } catch (error) {
    if (error instanceof FlagError) throw viosError('0002', `"${error.flag}" is not a valid flag for ${name}.`);
    throw error;
  }
}

function viosError(code: string, text: string): DeviceCommandError {
  return new DeviceCommandError(`[VIOSE0104${code}-0${code.slice(1)}] ${text}`);
}

// ---- lsmap ----

function lsmap(system: ManagedSystem, vios: Partition, config: ViosConfig, args: string[]): string {
  const flags = parseFlags(args, {
    values: ['-vadapter', '-fmt', '-field', '-plc'],
    switches: ['-all', '-npiv', '-type'],
  });
  const npiv = flags.switches.has('-npiv');
  const wanted = flags.values.get('-vadapter');
  if (!flags.switches.has('-all') && wanted === undefined) throw viosError('0005', 'lsmap requires -all or -vadapter.');
  const adapters = npiv ? config.fcAdapters : config.scsiAdapters;
  const selected = wanted === undefined ? adapters : adapters.filter((a) => a.name === wanted);
  if (wanted !== undefined && selected.length === 0) {
    throw viosError(
      '0180',
      `Device "${wanted}" is not a ${npiv ? 'Server Virtual FC Adapter' : 'Server Virtual SCSI Adapter (SVSA)'}.`,
    );
  }
  const delimiter = flags.values.get('-fmt');
  if (npiv) {
    const rows = config.fcAdapters
      .filter((a) => selected.includes(a))
      .map((a) => [
        a.name,
        physicalLocation(system, vios.id, a.slot),
        String(a.clientId),
        a.clientName,
        a.clientName ? 'AIX' : ' ',
        a.fcPort ? 'LOGGED_IN' : 'NOT_LOGGED_IN',
        a.fcPort ?? ' ',
        a.fcPort ? `U78D3.001-P1-C2-T${a.fcPort.slice(3)}` : ' ',
        a.fcPort ? '1' : '0',
        'a',
        'fcs0',
        `U${system.typeModel.replace('-', '.')}.${system.serial}-V${a.clientId}-C${a.slot}`,
      ]);
    return delimiter !== undefined ? lines(rows.map((r) => r.join(delimiter))) : npivReport(rows);
  }
  const rows = (selected as ScsiServerAdapter[]).map((a) => [
    a.name,
    physicalLocation(system, vios.id, a.slot),
    `0x${a.clientId.toString(16).padStart(8, '0')}`,
    ...a.targets.flatMap((t) => [
      t.name,
      'Available',
      lunId(t.lun),
      t.backingHdisk,
      `U78D3.001-P1-C2-T1-W500507680C11-L${t.lun}`,
      'false',
    ]),
  ]);
  return delimiter !== undefined ? lines(rows.map((r) => r.join(delimiter))) : scsiReport(rows);
}

function lunId(lun: number): string {
  return `0x${(0x80 + lun).toString(16)}00000000000000`;
}

function scsiReport(rows: string[][]): string {
  return rows
    .map((row) => {
      const head = `SVSA            Physloc                                      Client Partition ID\n--------------- -------------------------------------------- ------------------\n${row[0]!.padEnd(16)}${row[1]!.padEnd(45)}${row[2]}\n`;
      const targets = [];
      for (let i = 3; i < row.length; i += 6) {
        targets.push(
          `VTD                   ${row[i]}\nStatus                ${row[i + 1]}\nLUN                   ${row[i + 2]}\nBacking device        ${row[i + 3]}\nPhysloc               ${row[i + 4]}\nMirrored              ${row[i + 5]}\n`,
        );
      }
      return `${head}\n${targets.length ? targets.join('\n') : 'VTD                   NO VIRTUAL TARGET DEVICE FOUND\n'}`;
    })
    .join('\n');
}

function npivReport(rows: string[][]): string {
  return rows
    .map((r) =>
      [
        'Name          Physloc                            ClntID ClntName       ClntOS',
        '------------- ---------------------------------- ------ -------------- -------',
        `${r[0]!.padEnd(14)}${r[1]!.padEnd(35)}${r[2]!.padEnd(7)}${r[3]!.padEnd(15)}${r[4]}`,
        '',
        `Status:${r[5]}`,
        `FC name:${r[6]}                  FC loc code:${r[7]}`,
        `Ports logged in:${r[8]}`,
        `Flags:${r[9]}`,
        `VFC client name:${r[10]}            VFC client DRC:${r[11]}`,
        '',
      ].join('\n'),
    )
    .join('\n');
}

// ---- lsdev ----

/** lsdev -type disk | lsdev -dev hdiskN [-attr unique_id]: how a driver finds the hdisk behind a vdisk UID. */
function lsdev(ctx: CommandContext, config: ViosConfig, args: string[]): string {
  const flags = parseFlags(args, { values: ['-type', '-dev', '-attr', '-field', '-fmt'], switches: ['-virtual'] });
  const dev = flags.values.get('-dev');
  if (dev !== undefined) {
    const uid = config.hdisks.get(dev);
    if (uid === undefined) throw viosError('0181', `Device "${dev}" is not in the device configuration database.`);
    const attribute = flags.values.get('-attr');
    if (attribute === undefined)
      return lines(['name             status      description', `${dev.padEnd(17)}Available   MPIO IBM 2145 FC Disk`]);
    if (attribute !== 'unique_id') throw viosError('0182', `Attribute "${attribute}" is not valid for device ${dev}.`);
    return lines(['value', '', `332136${uid}04214503IBMfcp`]);
  }
  if (flags.values.get('-type') !== 'disk')
    throw viosError('0005', 'lsdev: only -type disk and -dev NAME are supported by this VIOS.');
  void ctx;
  const names = [...config.hdisks.keys()];
  const delimiter = flags.values.get('-fmt');
  if (delimiter !== undefined)
    return lines(names.map((n) => [n, 'Available', 'MPIO IBM 2145 FC Disk'].join(delimiter)));
  return lines([
    'name             status      description',
    ...names.map((n) => `${n.padEnd(17)}Available   MPIO IBM 2145 FC Disk`),
  ]);
}

// ---- chkdev ----

/**
 * chkdev [-dev hdiskN] [-verbose]: one block per physical volume, `FIELD: value` lines (IBM VIOS command reference,
 * "chkdev command": NAME, IDENTIFIER, PHYS2VIRT_CAPABLE, VIRT2NPIV_CAPABLE, VIRT2PHYS_CAPABLE; -verbose adds PVID,
 * UDID, IEEE, VTD). The UDID is the disk's unique_id (as lsdev -attr prints it); capabilities are simplified: NA for
 * the direction that does not apply to a disk in use (or not) by a virtual target device. -field/-fmt are refused.
 */
function chkdev(config: ViosConfig, args: string[]): string {
  const flags = parseFlags(args, { values: ['-dev'], switches: ['-verbose'] });
  const dev = flags.values.get('-dev');
  if (dev !== undefined && !config.hdisks.has(dev))
    throw viosError('0181', `Device "${dev}" is not in the device configuration database.`);
  const names = dev !== undefined ? [dev] : [...config.hdisks.keys()];
  const verbose = flags.switches.has('-verbose');
  const blocks = names.map((name) => {
    const udid = `332136${config.hdisks.get(name)!}04214503IBMfcp`;
    const vtd = config.scsiAdapters.flatMap((a) => a.targets).find((t) => t.backingHdisk === name)?.name;
    const field = (key: string, value: string) => `${`${key}:`.padEnd(22)}${value}`.trimEnd();
    return [
      field('NAME', name),
      field('IDENTIFIER', udid),
      field('PHYS2VIRT_CAPABLE', vtd ? 'NA' : 'YES'),
      field('VIRT2NPIV_CAPABLE', vtd ? 'YES' : 'NA'),
      field('VIRT2PHYS_CAPABLE', vtd ? 'YES' : 'NA'),
      ...(verbose ? [field('PVID', ''), field('UDID', udid), field('IEEE', ''), field('VTD', vtd ?? '')] : []),
    ].join('\n');
  });
  return blocks.length ? `${blocks.join('\n\n')}\n` : '';
}

// ---- mapping changes ----

/** mkvdev [-f] -vdev hdiskN -vadapter vhostN [-dev NAME] prints `NAME Available`. */
function mkvdev(ctx: CommandContext, config: ViosConfig, args: string[]): string {
  const flags = parseFlags(args, { values: ['-vdev', '-vadapter', '-dev'], switches: ['-f'] });
  const hdisk = flags.values.get('-vdev');
  const adapterName = flags.values.get('-vadapter');
  if (hdisk === undefined || adapterName === undefined) throw viosError('0005', 'mkvdev requires -vdev and -vadapter.');
  if (!config.hdisks.has(hdisk))
    throw viosError('0181', `Device "${hdisk}" is not in the device configuration database.`);
  const adapter = config.scsiAdapters.find((a) => a.name === adapterName);
  if (!adapter) throw viosError('0180', `Device "${adapterName}" is not a Server Virtual SCSI Adapter (SVSA).`);
  const inUse = config.scsiAdapters.find((a) => a.targets.some((t) => t.backingHdisk === hdisk));
  if (inUse && !flags.switches.has('-f'))
    throw viosError('0186', `Device "${hdisk}" is already associated with a virtual target device on ${inUse.name}.`);
  const name = flags.values.get('-dev') ?? `vtscsi${config.nextVtd++}`;
  if (config.scsiAdapters.some((a) => a.targets.some((t) => t.name === name)))
    throw viosError('0187', `Device name "${name}" is already in use.`);
  const lun = Math.max(0, ...adapter.targets.map((t) => t.lun)) + 1;
  adapter.targets.push({ name, backingHdisk: hdisk, lun });
  ctx.model.changed(causeOf(ctx));
  return lines([`${name} Available`]);
}

/** rmvdev -vtd NAME | -vdev hdiskN prints `NAME deleted`. */
function rmvdev(ctx: CommandContext, config: ViosConfig, args: string[]): string {
  const flags = parseFlags(args, { values: ['-vtd', '-vdev'], switches: ['-f', '-rmlv'] });
  const vtd = flags.values.get('-vtd');
  const hdisk = flags.values.get('-vdev');
  if (vtd === undefined && hdisk === undefined) throw viosError('0005', 'rmvdev requires -vtd or -vdev.');
  for (const adapter of config.scsiAdapters) {
    const index = adapter.targets.findIndex((t) => t.name === vtd || t.backingHdisk === hdisk);
    if (index < 0) continue;
    const [removed] = adapter.targets.splice(index, 1);
    ctx.model.changed(causeOf(ctx));
    return lines([`${removed!.name} deleted`]);
  }
  throw viosError('0181', `Device "${vtd ?? hdisk}" is not in the device configuration database.`);
}

/** vfcmap -vadapter vfchostN -fcp fcsM; `-fcp` with no value (last word, or "") unmaps; prints `vfchostN changed`. */
function vfcmap(ctx: CommandContext, config: ViosConfig, args: string[]): string {
  const flags = parseFlags(args.at(-1) === '-fcp' ? [...args, ''] : args, { values: ['-vadapter', '-fcp'] });
  const adapterName = flags.values.get('-vadapter');
  const port = flags.values.get('-fcp');
  if (adapterName === undefined || port === undefined) throw viosError('0005', 'vfcmap requires -vadapter and -fcp.');
  const adapter = config.fcAdapters.find((a) => a.name === adapterName);
  if (!adapter) throw viosError('0180', `Device "${adapterName}" is not a Server Virtual FC Adapter.`);
  if (port !== '' && !config.fcPorts.includes(port))
    throw viosError('0181', `Device "${port}" is not an NPIV capable fibre channel port.`);
  adapter.fcPort = port === '' ? undefined : port;
  ctx.model.changed(causeOf(ctx));
  return lines([`${adapter.name} changed`]);
}

/** cfgdev discovers the vdisks now mapped to the system's host objects; prints nothing. */
function cfgdev(ctx: CommandContext, system: ManagedSystem, args: string[]): string {
  parseFlags(args, { values: ['-dev'] });
  discoverHdisks(system, ctx.model.storageOf(system), ctx.model.hostsOfSystem(system));
  return '';
}
