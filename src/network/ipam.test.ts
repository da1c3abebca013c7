import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSubnet } from './cidr.js';
import { checkRequestedAddress, chooseSubnet, macFor, nextAddress, planAddresses } from './ipam.js';

test('chooseSubnet skips subnets that overlap routes and existing networks', () => {
  assert.equal(chooseSubnet([]).base, parseSubnet('172.17.0.0/16').base);
  const taken = [parseSubnet('172.17.0.0/16'), parseSubnet('172.18.5.0/24'), parseSubnet('172.16.0.0/12')];
  const chosen = chooseSubnet(taken);
  assert.deepEqual(chosen, parseSubnet('192.168.0.0/20'));
  assert.deepEqual(chooseSubnet([parseSubnet('172.16.0.0/12'), parseSubnet('192.168.0.0/19')]), parseSubnet('192.168.32.0/20'));
  assert.throws(() => chooseSubnet([parseSubnet('0.0.0.0/0')]), /non-overlapping/);
});

test('planAddresses: gateway is the first host address unless given; bad input is named', () => {
  assert.deepEqual(planAddresses({ subnet: '10.9.0.0/24' }, () => assert.fail()), { subnet: '10.9.0.0/24', gateway: '10.9.0.1' });
  assert.deepEqual(planAddresses({ subnet: '10.9.0.0/24', gateway: '10.9.0.254' }, () => assert.fail()), { subnet: '10.9.0.0/24', gateway: '10.9.0.254' });
  assert.deepEqual(planAddresses({}, () => parseSubnet('172.30.0.0/16')), { subnet: '172.30.0.0/16', gateway: '172.30.0.1' });
  assert.throws(() => planAddresses({ subnet: '10.9.0.1/24' }, () => assert.fail()), /--subnet: 10.9.0.1\/24 has host bits set/);
  assert.throws(() => planAddresses({ subnet: '10.9.0.0/33' }, () => assert.fail()), /invalid --subnet/);
  assert.throws(() => planAddresses({ subnet: 'nonsense' }, () => assert.fail()), /invalid --subnet/);
  assert.throws(() => planAddresses({ subnet: '10.9.0.0/24', gateway: '10.9.1.1' }, () => assert.fail()), /invalid --gateway 10.9.1.1/);
  assert.throws(() => planAddresses({ subnet: '10.9.0.0/24', gateway: '10.9.0.255' }, () => assert.fail()), /invalid --gateway/);
  assert.throws(() => planAddresses({ subnet: '10.9.0.0/32' }, () => assert.fail()), /too small/);
});

test('nextAddress hands out the lowest free address and refuses when the subnet is full', () => {
  const plan = { subnet: '10.9.0.0/29', gateway: '10.9.0.1' };
  assert.equal(nextAddress(plan, new Set()), '10.9.0.2');
  assert.equal(nextAddress(plan, new Set(['10.9.0.2', '10.9.0.4'])), '10.9.0.3');
  assert.throws(() => nextAddress(plan, new Set(['10.9.0.2', '10.9.0.3', '10.9.0.4', '10.9.0.5', '10.9.0.6'])), /no available IPv4 addresses/);
  assert.equal(checkRequestedAddress(plan, '10.9.0.6', new Set()), '10.9.0.6');
  assert.throws(() => checkRequestedAddress(plan, '10.9.0.1', new Set()), /already in use/);
  assert.throws(() => checkRequestedAddress(plan, '10.9.0.7', new Set()), /not a host address/);
});

test('macFor follows Docker: 02:42 and the address bytes', () => {
  assert.equal(macFor('172.17.0.2'), '02:42:ac:11:00:02');
});
