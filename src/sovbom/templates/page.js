(function(){
  document.querySelectorAll('input.filter').forEach(function(box){
    box.hidden = false;
    var table = document.getElementById(box.getAttribute('data-table'));
    var count = document.getElementById(box.getAttribute('data-count'));
    if (!table) { return; }
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var text = rows.map(function(r){ return r.textContent.toLowerCase(); });
    box.addEventListener('input', function(){
      var q = box.value.toLowerCase().trim(), shown = 0;
      for (var i = 0; i < rows.length; i++) {
        var hit = !q || text[i].indexOf(q) !== -1;
        rows[i].hidden = !hit;
        if (hit) { shown++; }
      }
      if (count) { count.textContent = shown + ' of ' + rows.length + ' shown'; }
    });
  });
  window.addEventListener('beforeprint', function(){
    document.querySelectorAll('details').forEach(function(d){ d.open = true; });
  });
})();
