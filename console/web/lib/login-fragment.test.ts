import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loginFragmentToken, urlWithoutFragment } from './login-fragment.ts';

test('loginFragmentToken: a login link\'s fragment carries the token, decoded', () => {
  assert.equal(loginFragmentToken('#token=abc.def-123'), 'abc.def-123');
  assert.equal(loginFragmentToken(`#token=${encodeURIComponent('a b+c/=')}`), 'a b+c/=');
  assert.equal(loginFragmentToken('#x=1&token=t0k'), 't0k');
  assert.equal(loginFragmentToken('#token=t0k&next=1'), 't0k');
});

test('loginFragmentToken: an empty token is still a login fragment (to remove), a malformed escape is kept raw', () => {
  assert.equal(loginFragmentToken('#token='), '');
  assert.equal(loginFragmentToken('#token=%E0%A4%A'), '%E0%A4%A');
});

test('loginFragmentToken: routes and other fragments are not login links', () => {
  for (const h of ['', '#', '#/', '#/events', '#/pods/ns/token=x', '#/pods/default/web', '#mytoken=x', '#tokens=x']) {
    assert.equal(loginFragmentToken(h), undefined, h);
  }
});

test('urlWithoutFragment keeps path and query', () => {
  assert.equal(urlWithoutFragment({ pathname: '/', search: '' }), '/');
  assert.equal(urlWithoutFragment({ pathname: '/sub/', search: '?a=1' }), '/sub/?a=1');
});
