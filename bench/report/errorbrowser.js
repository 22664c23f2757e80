// The error browser's only script (bench/report/errorpage.py): static, no data in it.
(function(){
var f=document.getElementById('filters');
function boxes(n){return Array.prototype.slice.call(f.querySelectorAll('input[name="'+n+'"]'))}
function vals(n){return boxes(n).filter(function(i){return i.checked}).map(function(i){return i.value})}
function readHash(){var h=location.hash.replace(/^#/,'');if(!h)return;var q={};
h.split('&').forEach(function(p){var kv=p.split('=');q[decodeURIComponent(kv[0])]=decodeURIComponent(kv[1]||'')});
['k','l','b','same'].forEach(function(n){if(n in q){var w=q[n].split(',');
boxes(n).forEach(function(i){i.checked=w.indexOf(i.value)>=0})}})}
function writeHash(){var p=['k','l','b','same'].filter(function(n){return boxes(n).length})
.map(function(n){return n+'='+vals(n).map(encodeURIComponent).join(',')});
history.replaceState(null,'','#'+p.join('&'))}
function apply(){var K=vals('k'),L=vals('l'),B=vals('b'),S=!boxes('same').length||vals('same').length>0;
var on={},n=0,all=document.querySelectorAll('li.o');
Array.prototype.forEach.call(all,function(li){var d=li.dataset;var v=K.indexOf(d.k)>=0&&L.indexOf(d.l)>=0&&
d.b.split(' ').some(function(b){return B.indexOf(b)>=0})&&(S||d.d==='1');li.hidden=!v;if(v){on[li.id]=1;n++}});
Array.prototype.forEach.call(document.querySelectorAll('[data-o]'),function(e){
var v=e.dataset.o.split(' ').some(function(i){return on[i]});e.classList.toggle('off',!v);
if(e.classList.contains('m'))e.tabIndex=v?0:-1});
Array.prototype.forEach.call(document.querySelectorAll('section.doc'),function(s){
var c=s.querySelectorAll('li.o:not([hidden])').length;s.classList.toggle('quiet',c===0);
s.querySelector('.cnt').textContent=c+' shown'});
document.getElementById('shown').textContent=n+' of '+all.length+' spans shown';
document.body.setAttribute('data-shown',n)}
function select(ids,sec){Array.prototype.forEach.call(document.querySelectorAll('.sel'),function(e){
e.classList.remove('sel')});var det=sec.querySelector('.det');det.textContent='';
ids.forEach(function(i){var li=document.getElementById(i);if(!li)return;li.classList.add('sel');
var d=document.createElement('div');d.textContent=li.textContent;det.appendChild(d);
Array.prototype.forEach.call(sec.querySelectorAll('.m[data-o~="'+i+'"]'),function(e){e.classList.add('sel')})})}
function pick(t){var sec=t.closest('section.doc');if(t.classList.contains('m')){select(t.dataset.o.split(' '),sec)}
else{select([t.id],sec);var m=sec.querySelector('.m[data-o~="'+t.id+'"]');if(m)m.scrollIntoView({block:'nearest'})}}
document.addEventListener('click',function(ev){var t=ev.target.closest&&ev.target.closest('.m,li.o');
if(t&&!t.classList.contains('off'))pick(t)});
document.addEventListener('focusin',function(ev){var t=ev.target;if(t.matches&&t.matches('.m,li.o'))pick(t)});
document.addEventListener('keydown',function(ev){var t=ev.target;
if((ev.key==='Enter'||ev.key===' ')&&t.matches&&t.matches('.m,li.o')){ev.preventDefault();pick(t)}});
f.addEventListener('change',function(){writeHash();apply()});
window.addEventListener('hashchange',function(){readHash();apply()});
readHash();apply();
})();
