import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

/**
 * db migrate backs up before every change, as the image's user `node`, which cannot write under /app: the
 * image sets BACKUP_DIR to a directory it gives to `node`, and each deployment mounts lasting storage there.
 */

type Obj = Record<string, unknown>;
const obj = (value: unknown): Obj => (value ?? {}) as Obj;
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const read = (path: string) => readFileSync(path, 'utf8');

describe('deployment files: the backup directory', () => {
  const dockerfile = read('Dockerfile');
  const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  const backupDir = /^ENV BACKUP_DIR=(\S+)$/m.exec(runtime)?.[1] ?? '';

  it('the image sets BACKUP_DIR outside /app, creates it for node before USER node, and declares it a volume', () => {
    expect(backupDir).to.match(/^\/var\/lib\/tracktion-migrate\//);
    const chown = runtime.search(/^RUN mkdir -p "\$BACKUP_DIR" && chown -R node:node /m);
    expect(chown, 'created and given to node').to.be.greaterThan(-1);
    expect(chown).to.be.lessThan(runtime.search(/^USER node$/m));
    expect(runtime).to.include(`\nVOLUME ${backupDir}\n`);
  });

  it('docker-compose.yml mounts a named volume there for the migrate service', () => {
    const compose = obj(parse(read('docker-compose.yml'), { merge: true }));
    const mounts = list(obj(obj(compose.services).migrate).volumes).map(String);
    const mount = mounts.find((m) => m.endsWith(`:${backupDir}`)) ?? '';
    const volume = mount.split(':')[0] ?? '';
    expect(volume, 'a named volume, not a host path').to.match(/^[a-z][\w-]*$/);
    expect(Object.keys(obj(compose.volumes))).to.include(volume);
  });

  it('the Kubernetes migration Job mounts the backups PersistentVolumeClaim there, in the namespace of its Secret', () => {
    const job = obj(parse(read('deploy/k8s/migrate-job.yaml')));
    const pvc = obj(parse(read('deploy/k8s/backups-pvc.yaml')));
    const kustomization = obj(parse(read('deploy/k8s/kustomization.yaml')));
    expect(obj(job.metadata).namespace).to.equal(kustomization.namespace);
    expect(obj(pvc.metadata).namespace).to.equal(kustomization.namespace);
    expect(list(kustomization.resources)).to.include('backups-pvc.yaml');
    const pod = obj(obj(obj(job.spec).template).spec);
    const mount = list(obj(list(pod.containers)[0]).volumeMounts).map(obj).find((m) => m.mountPath === backupDir);
    const volume = list(pod.volumes).map(obj).find((v) => v.name === mount?.name);
    expect(obj(volume?.persistentVolumeClaim).claimName).to.equal(obj(pvc.metadata).name);
    expect(obj(pod.securityContext).fsGroup, 'the volume writable for node').to.equal(obj(pod.securityContext).runAsGroup);
  });
});
